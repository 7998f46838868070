"""Reading the directory from the upstream as the signed-in user: the account list, then each
account's details and inbound numbers with bounded parallelism."""

from functools import partial

from django.conf import settings
from django.db import transaction

from callable_admin import clock, phones
from callable_admin.accounts.search import fold
from callable_admin.api.client import CallableAPI, fan_out, gather
from callable_admin.api.errors import UpstreamNotFound
from callable_admin.api.transport import CallLog, current_calls
from callable_admin.directory.models import DirectoryBuild, ListedAccount, ListedNumber


def _number(value: object) -> str:
    """An upstream number in the directory's form (E.164 digits), or "" if it is not one."""
    text = str(value or "").strip()
    return phones.digits(text) if phones.looks_like_number(text) else ""


def _listing(
    organisation_id: str, summary: dict, details: dict, ddis: list[dict]
) -> tuple[ListedAccount, list[ListedNumber]]:
    name = str(details.get("name") or summary.get("name") or "")[:200]
    account = ListedAccount(
        organisation_id=organisation_id,
        account_id=summary["id"],
        name=name,
        folded_name=fold(name)[:200],
        domain=str(details.get("domain") or "")[:200],
        mbn=_number(details.get("mbn"))[:32],
    )
    numbers = [
        ListedNumber(
            organisation_id=organisation_id,
            account_id=summary["id"],
            number=number[:32],
            kind=ListedNumber.DDI,
            ddi_id=ddi["id"][:64],
        )
        for ddi in ddis
        if (number := _number(ddi.get("name")))
    ]
    if account.mbn:
        numbers.append(
            ListedNumber(
                organisation_id=organisation_id,
                account_id=summary["id"],
                number=account.mbn,
                kind=ListedNumber.MAIN,
            )
        )
    return account, numbers


def build(
    api: CallableAPI, organisation_id: str, summaries: list[dict] | None = None
) -> DirectoryBuild:
    """Read every account (`summaries`: the account list, if already read) and replace the
    organisation's directory with what was read. An account removed meanwhile (404) is left
    out; any other failure raises and keeps the old."""
    started = clock.now()
    outer, own = current_calls.get(), CallLog()
    token = current_calls.set(own)  # counts this build's calls, wherever it runs
    try:
        listed_before = summaries is not None
        if summaries is None:
            summaries = api.accounts()
        reads = []
        for summary in summaries:
            reads += [partial(api.account, summary["id"]), partial(api.ddis, summary["id"])]
        results = fan_out(reads, at_most=settings.DIRECTORY_FANOUT)
    finally:
        current_calls.reset(token)
        if outer is not None:
            outer.calls.extend(own.calls)
    accounts, numbers = [], []
    for index, summary in enumerate(summaries):
        details, ddis = results[2 * index], results[2 * index + 1]
        if isinstance(details, UpstreamNotFound) or isinstance(ddis, UpstreamNotFound):
            continue
        for result in (details, ddis):
            if isinstance(result, BaseException):
                raise result
        account, account_numbers = _listing(organisation_id, summary, details, ddis)
        accounts.append(account)
        numbers += account_numbers
    with transaction.atomic():
        ListedNumber.objects.filter(organisation_id=organisation_id).delete()
        ListedAccount.objects.filter(organisation_id=organisation_id).delete()
        ListedAccount.objects.bulk_create(accounts, batch_size=500)
        ListedNumber.objects.bulk_create(numbers, batch_size=500)
        state, _ = DirectoryBuild.objects.update_or_create(
            organisation_id=organisation_id,
            defaults={
                "built_at": clock.now(),
                "seconds": clock.now() - started,
                "upstream_calls": len(own.calls) + listed_before,
                "accounts": len(accounts),
                "numbers": len(numbers),
                "failed_at": None,
                "failure": "",
            },
        )
    return state


def update_account(api: CallableAPI, organisation_id: str, account_id: str) -> None:
    """Read one account again and put what was read in its place (gone if the upstream has
    it no more): a change made through the dashboard shows at once, without a whole build."""
    results = gather(lambda: api.account(account_id), lambda: api.ddis(account_id), tolerate=True)
    gone = any(isinstance(result, UpstreamNotFound) for result in results)
    for result in results:
        if isinstance(result, BaseException) and not gone:
            raise result
    with transaction.atomic():
        ListedNumber.objects.filter(organisation_id=organisation_id, account_id=account_id).delete()
        ListedAccount.objects.filter(
            organisation_id=organisation_id, account_id=account_id
        ).delete()
        if not gone:
            account, numbers = _listing(organisation_id, {"id": account_id}, *results)
            account.save()
            ListedNumber.objects.bulk_create(numbers)
