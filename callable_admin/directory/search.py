"""Finding accounts in the directory by name, any of their numbers (typed as a person types
them), domain or id, saying which field matched. Pure database reads: no upstream call."""

from dataclasses import dataclass

from django.db.models import Q

from callable_admin import phones
from callable_admin.accounts.search import fold
from callable_admin.directory.models import ListedAccount, ListedNumber

NUMBER = "number"
MAIN_NUMBER = "main number"
NAME = "name"
DOMAIN = "domain"
ID = "id"
NUMBER_FIELDS = (NUMBER, MAIN_NUMBER)


@dataclass
class Match:
    account: ListedAccount
    field: str  # which field matched: NUMBER, MAIN_NUMBER, NAME, DOMAIN or ID
    number: str = ""  # E.164 digits of the number that matched
    exact: bool = False  # the whole number, not part of it


def _number_matches(organisation_id: str, query: str, region: str | None) -> list[Match]:
    numbers = ListedNumber.objects.filter(organisation_id=organisation_id)
    whole = phones.e164(query, region)
    found = list(numbers.filter(number=phones.digits(whole))) if whole else []
    exact = bool(found)
    if not found:
        # Part of a number: its digits as typed, without a national trunk prefix (0).
        part = phones.digits(query).lstrip("0")
        found = list(numbers.filter(number__contains=part)[:500]) if len(part) >= 4 else []
    accounts = {
        account.account_id: account
        for account in ListedAccount.objects.filter(
            organisation_id=organisation_id, account_id__in={n.account_id for n in found}
        )
    }
    matches: dict[str, Match] = {}
    for listed in sorted(found, key=lambda n: n.kind != ListedNumber.DDI):
        account = accounts.get(listed.account_id)
        if account is not None and account.account_id not in matches:
            field = NUMBER if listed.kind == ListedNumber.DDI else MAIN_NUMBER
            matches[account.account_id] = Match(account, field, listed.number, exact)
    return list(matches.values())


def find(organisation_id: str, query: str, region: str | None = None) -> list[Match]:
    """Accounts matching `query`, best kind of match first, then by name."""
    # a NUL cannot be in any name, number or domain, and PostgreSQL refuses it in a query
    query = query.replace("\x00", "").strip()
    if not query:
        return []
    matches: dict[str, Match] = {}
    if phones.looks_like_number(query):
        matches.update(
            (m.account.account_id, m) for m in _number_matches(organisation_id, query, region)
        )
    words = fold(query).split()
    by_name = Q()
    for word in words:
        by_name &= Q(folded_name__contains=word)
    candidates = ListedAccount.objects.filter(
        by_name | Q(domain__icontains=query) | Q(account_id__icontains=query),
        organisation_id=organisation_id,
    )[:1000]
    folded, lowered = fold(query), query.casefold()
    for account in candidates:  # one query; which field matched is told here
        if account.account_id in matches:
            continue
        if all(word in account.folded_name for word in words):
            field = NAME
        elif lowered in account.domain.casefold():
            field = DOMAIN
        elif lowered in account.account_id.casefold() or folded in account.account_id.casefold():
            field = ID
        else:
            continue
        matches[account.account_id] = Match(account, field)
    order = [NUMBER, MAIN_NUMBER, NAME, DOMAIN, ID]
    return sorted(
        matches.values(),
        key=lambda m: (order.index(m.field), m.account.folded_name, m.account.account_id),
    )


def main_numbers(organisation_id: str) -> dict[str, str]:
    """Account id → main billing number, for lists that read names from the upstream."""
    return dict(
        ListedAccount.objects.filter(organisation_id=organisation_id).values_list(
            "account_id", "mbn"
        )
    )
