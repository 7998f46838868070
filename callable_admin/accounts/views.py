"""The account pages: find an account, see it whole, change its address, trunks and hooks."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from callable_admin import phones
from callable_admin.accounts.conflicts import (
    ABSENT,
    Merge,
    Original,
    blank,
    merge,
    not_kept,
    read_original,
    sign_original,
)
from callable_admin.accounts.forms import AddressForm, HookForm, TrunkForm, UpstreamObjectForm
from callable_admin.accounts.search import matching_accounts
from callable_admin.api.client import gather
from callable_admin.api.errors import (
    SessionExpired,
    UpstreamError,
    UpstreamMethodNotAllowed,
    UpstreamNotFound,
    UpstreamRejected,
)
from callable_admin.audit.record import audited
from callable_admin.directory import refresh
from callable_admin.directory import search as directory_search
from callable_admin.directory.models import DirectoryBuild, ListedAccount
from callable_admin.forms import save_or_explain
from callable_admin.masking import masked, unmasked
from callable_admin.signin.roles import admin_required, admin_required_for_writes
from flows.model import graph, routes
from flows.model.findings import validate

ACCOUNTS_PER_PAGE = 50
READ = ("GET", "HEAD")
READ_OR_WRITE = ("GET", "HEAD", "POST")


def _section(result: object) -> tuple[object, UpstreamError | None]:
    """A read run with `gather(tolerate=True)`: (its value, None) or (None, the error to show
    in its section). A dead session or a bug is not a section's business: it rises."""
    if isinstance(result, UpstreamError) and not isinstance(result, SessionExpired):
        return None, result
    if isinstance(result, BaseException):
        raise result
    return result, None


# Finding and seeing an account


@require_http_methods(READ)
@vary_on_headers("HX-Request")
def account_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    organisation_id = request.user.organisation_id
    live = bool(request.htmx and request.htmx.target == "results")
    found = Found(query=query)
    if query:
        found = _search(request, query)
        number_page = found.number_page()
        if number_page and not live:
            return redirect(number_page)  # the caller's number: straight to it
    else:
        accounts = matching_accounts(request.callable.accounts(), "")
        found.directory = refresh.ready(request.callable, organisation_id)
        numbers = directory_search.main_numbers(organisation_id)
        found.rows = accounts  # made into Matches below, only those of the page shown
        found.total = len(accounts)
    page = Paginator(found.rows, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    if not query:
        page.object_list = [
            directory_search.Match(_listed(account, numbers.get(account["id"], "")), "")
            for account in page.object_list
        ]
    template = "accounts/list.html"
    if live:
        template += "#results"  # live search swaps only the results
    return render(
        request,
        template,
        {
            "query": query,
            "page": page,
            "found": len(found.rows),
            "total": found.total,
            "directory": found.directory,
            "directory_age": refresh.age_text(found.directory),
            "directory_building": refresh.building(organisation_id),
            "numbers_searched": found.numbers_searched,
        },
    )


@dataclass
class Found:
    query: str
    rows: list = dataclass_field(default_factory=list)
    total: int = 0
    numbers_searched: bool = True  # False: the directory was not ready, names and ids only
    directory: DirectoryBuild | None = None  # the directory searched, as it was

    def number_page(self) -> str | None:
        """The Numbers page of the one account owning the whole number typed, if so."""
        accounts = {m.account.account_id for m in self.rows}
        first = self.rows[0] if self.rows else None
        if len(accounts) != 1 or first.field not in directory_search.NUMBER_FIELDS:
            return None
        if not first.exact:
            return None
        url = reverse("accounts:ddis", args=[first.account.account_id])
        return f"{url}?number={first.number}#number-{first.number}"


def _listed(account: dict, mbn: str = "") -> ListedAccount:
    return ListedAccount(account_id=account["id"], name=str(account.get("name") or ""), mbn=mbn)


def directory_main_numbers(request: HttpRequest) -> dict[str, str]:
    """Account id → main number, from the directory (built first if need be)."""
    organisation_id = request.user.organisation_id
    refresh.ready(request.callable, organisation_id)
    return directory_search.main_numbers(organisation_id)


def _search(request: HttpRequest, query: str) -> Found:
    """Search the number directory. While another request builds it for the first time,
    names and ids are searched upstream instead."""
    organisation_id = request.user.organisation_id
    current = refresh.ready(request.callable, organisation_id)
    if current is not None and current.built_at is not None:
        rows = directory_search.find(organisation_id, query, settings.PHONE_REGION)
        return Found(query, rows, current.accounts, directory=current)
    accounts = request.callable.accounts()
    rows = [
        directory_search.Match(_listed(account), directory_search.NAME)
        for account in matching_accounts(accounts, query)
    ]
    return Found(query, rows, len(accounts), False, refresh.state(organisation_id))


@require_http_methods(READ)
def overview(request: HttpRequest, account_id: str) -> HttpResponse:
    api = request.callable
    # All six reads at once: the page costs about one upstream round trip.
    results = gather(
        lambda: api.account(account_id),
        lambda: api.address(account_id),
        lambda: api.ddis(account_id),
        lambda: api.trunks(account_id),
        lambda: api.hooks(account_id),
        lambda: api.devices(account_id),
        tolerate=True,
    )
    if isinstance(results[0], BaseException):
        raise results[0]  # no account, no page
    account = results[0]
    address, address_error = _section(results[1])
    ddis, ddis_error = _section(results[2])
    trunks, trunks_error = _section(results[3])
    hooks, hooks_error = _section(results[4])
    devices, devices_error = _section(results[5])
    flow = graph.parse(devices or [], ddis or [], trunks or [])
    context = {
        "account": account,
        "tab": "overview",
        "details": [
            (name, _shown(masked(name, value)))
            for name, value in account.items()
            if name not in ("id", "name", "mbn", "domain")
        ],
        "address": address,
        "address_error": address_error,
        "ddis_error": ddis_error or devices_error,
        "ddi_count": len(ddis) if ddis is not None else None,
        "ddi_routes": routes.ddi_routes(flow, validate(flow)) if ddis is not None else [],
        "trunks_error": trunks_error,
        "trunks": [(trunk, routes.gateways_using(flow, trunk["id"])) for trunk in trunks or []],
        "hooks_error": hooks_error,
        **_hooks_by_kind(hooks or []),
        "devices_error": devices_error,
        "device_count": len(flow.devices),
        "device_types": routes.devices_by_type(flow),
    }
    return render(request, "accounts/overview.html", context)


@require_http_methods(READ)
def ddis(request: HttpRequest, account_id: str) -> HttpResponse:
    api = request.callable
    account, numbers, devices = gather(
        lambda: api.account(account_id),
        lambda: api.ddis(account_id),
        lambda: api.devices(account_id),
    )
    flow = graph.parse(devices, numbers)
    ddi_routes = routes.ddi_routes(flow, validate(flow))
    # A number a search found, shown highlighted (`?number=441234567890`).
    highlight = phones.digits(request.GET.get("number", ""))[:32]
    main = phones.digits(str(account.get("mbn") or ""))
    main_only = bool(main) and all(route.number != main for route in ddi_routes)
    return render(
        request,
        "accounts/ddis.html",
        {
            "account": account,
            "tab": "ddis",
            "routes": ddi_routes,
            "problems": sum(1 for route in ddi_routes if route.problem),
            "highlight": highlight,
            "main_only": main_only,
            "highlight_main": main_only and highlight == main,
            # where "route this number" may send an unrouted number, in the admin's draft
            "starts": [(start_id, flow.devices[start_id].title) for start_id in flow.starts],
        },
    )


def _shown(value: object) -> str:
    """Any upstream value as text: strings as they are, anything else as compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# Changing things: the one save path of every edit form


def _heading(account_id: str, original: Original | None) -> dict:
    # A form re-shown after bad input costs no upstream call: the name came with the form.
    return {"id": account_id, "name": original.account_name if original else ""}


def _edit_form(
    form_class: type[UpstreamObjectForm], *, kind: str, account: dict, object_id: str, stored: dict
) -> UpstreamObjectForm:
    form = form_class(stored=stored)
    form.initial["original"] = sign_original(
        kind, account["id"], object_id, str(account.get("name") or ""), form.values()
    )
    return form


def _bound_form(
    request: HttpRequest,
    form_class: type[UpstreamObjectForm],
    *,
    kind: str,
    account_id: str,
    object_id: str,
) -> tuple[UpstreamObjectForm, Original | None]:
    original = read_original(request.POST.get("original"), kind, account_id, object_id)
    form = form_class(request.POST, stored=original.values if original else None)
    return form, original


def _choices_made(request: HttpRequest, form: UpstreamObjectForm) -> bool:
    """After a conflict, each disputed field needs the user's pick (the radios are required)."""
    missing = [
        name
        for name in request.POST.getlist("conflicting")
        if name in form.fields and name not in request.POST
    ]
    for name in missing:
        form.add_error(name, "Choose your value or theirs.")
    return not missing


def _save_changes(
    request: HttpRequest,
    form: UpstreamObjectForm,
    original: Original | None,
    *,
    kind: str,
    account_id: str,
    object_id: str,
    read: Callable[[], dict],
    write: Callable[[dict], None],
) -> tuple[bool, int, Merge | None]:
    """Read the object again, merge this user's changes into it, and write it back whole unless
    a colleague changed the same fields meanwhile; then read it back to see that it stuck.
    One save of an object at a time, in every process. Upstream trouble lands on the form."""

    def save() -> Merge:
        current = read()
        # the form showed credentials masked: where a mask still stands, the stored value does
        mine = {
            name: unmasked(value, current.get(name)) for name, value in form.api_values().items()
        }
        merged = merge(current, original.values if original else None, mine, form.changed_fields())
        if merged.conflicts or merged.document == current:
            return merged
        with audited(
            request,
            account_id=account_id,
            kind=kind,
            object_id=object_id,
            action="update",
            before=current,
            after=merged.document,
        ):
            write(merged.document)
        merged.not_kept = not_kept(merged.document, read(), form.api_field_names())
        return merged

    return save_or_explain(form, save, lock=f"{kind}:{account_id}:{object_id}")


def _save_edit(
    request: HttpRequest,
    form_class: type[UpstreamObjectForm],
    *,
    kind: str,
    account_id: str,
    object_id: str,
    read: Callable[[], dict],
    write: Callable[[dict], None],
    show: Callable[[dict, UpstreamObjectForm, int], HttpResponse],
    done: str,
) -> HttpResponse:
    """The POST of every edit form: bad input (400), the upstream's refusal or failure on the
    form, a conflict to settle (409), or saved and back to the page (POST/redirect/GET)."""
    form, original = _bound_form(
        request, form_class, kind=kind, account_id=account_id, object_id=object_id
    )
    account = _heading(account_id, original)
    if not (form.is_valid() and _choices_made(request, form)):
        return show(account, form, 400)
    status = _check_siblings(request, form, kind, account_id, object_id)
    if status:
        return show(account, form, status)
    saved, status, merged = _save_changes(
        request,
        form,
        original,
        kind=kind,
        account_id=account_id,
        object_id=object_id,
        read=read,
        write=write,
    )
    if not saved:
        return show(account, form, status)
    if merged.conflicts:
        settle = _conflict_form(
            form_class, merged, form, kind=kind, account=account, object_id=object_id
        )
        return show(account, settle, 409)
    if merged.document == merged.current:
        messages.info(request, "Nothing to save: these are already the current values.")
    elif merged.not_kept:
        labels = ", ".join(str(form.fields[name].label or name) for name in merged.not_kept)
        messages.warning(
            request,
            f"Saved, but the Callable API now holds other values for: {labels}. Someone may "
            "have changed them at the same moment outside this dashboard: check them below.",
        )
    else:
        messages.success(request, done)
    return redirect(request.path)


def _check_siblings(
    request: HttpRequest, form: UpstreamObjectForm, kind: str, account_id: str, object_id
) -> int:
    """A form whose object must differ from its siblings (a trunk's ip:port) checks them before
    any write. 0 when all is well; else the status to answer with, the reason on the form."""
    if not form.checks_siblings:
        return 0
    listing = getattr(request.callable, f"{kind}s")
    read, status, siblings = save_or_explain(form, lambda: listing(account_id))
    if not read:
        return status
    form.check_siblings([s for s in siblings if s.get("id") != object_id])
    return 400 if form.errors else 0


def _conflict_form(
    form_class: type[UpstreamObjectForm],
    merged: Merge,
    mine: UpstreamObjectForm,
    *,
    kind: str,
    account: dict,
    object_id: str,
) -> UpstreamObjectForm:
    """The form again: my changes merged into their object, the disputed fields as a choice,
    and their object as the new original so that saving the choice goes through."""
    form = form_class(stored=merged.document)
    form.allow(merged.current)
    form.initial["original"] = sign_original(
        kind,
        account["id"],
        object_id,
        str(account.get("name") or ""),
        form_class(stored=merged.current).values(),
    )
    mine_values = mine.api_values()
    for name in merged.conflicts:
        form.conflicts[name] = {
            "mine": _form_value(mine_values[name]),
            "mine_label": form.display(name, mine_values[name]),
            "theirs": _form_value(masked(name, merged.current.get(name))),
            "theirs_label": form.display(name, masked(name, merged.current.get(name))),
        }
    return form


def _form_value(value: object) -> str:
    return "" if blank(value) else str(value)


def _other_fields(document: dict, form_class: type[UpstreamObjectForm]) -> list[tuple[str, str]]:
    """Fields the form does not edit: shown, and sent back exactly as they are."""
    shown = set(form_class.api_field_names()) | {"id"}
    return [
        (name, _shown(masked(name, value))) for name, value in document.items() if name not in shown
    ]


# Address


@require_http_methods(READ_OR_WRITE)
@admin_required_for_writes
def address(request: HttpRequest, account_id: str) -> HttpResponse:
    api = request.callable
    if request.method == "POST":
        return _save_edit(
            request,
            AddressForm,
            kind="address",
            account_id=account_id,
            object_id="",
            read=lambda: api.address(account_id),
            write=lambda document: api.put_address(account_id, document),
            show=lambda account, form, status: _address_page(request, account, form, status=status),
            done="Address saved.",
        )
    account, stored = gather(lambda: api.account(account_id), lambda: api.address(account_id))
    form = _edit_form(AddressForm, kind="address", account=account, object_id="", stored=stored)
    return _address_page(request, account, form, stored=stored)


def _address_page(request, account, form, *, status=200, stored=None) -> HttpResponse:
    return render(
        request,
        "accounts/address.html",
        {
            "account": account,
            "tab": "address",
            "form": form,
            "address": stored,
            "other_fields": _other_fields(stored, AddressForm) if stored is not None else None,
        },
        status=status,
    )


# Trunks


@require_http_methods(READ)
def trunks(request: HttpRequest, account_id: str) -> HttpResponse:
    api = request.callable
    account, trunk_list, devices = gather(
        lambda: api.account(account_id),
        lambda: api.trunks(account_id),
        lambda: api.devices(account_id),
    )
    flow = graph.parse(devices)
    return render(
        request,
        "accounts/trunks.html",
        {
            "account": account,
            "tab": "trunks",
            "trunks": [(trunk, routes.gateways_using(flow, trunk["id"])) for trunk in trunk_list],
        },
    )


@require_http_methods(READ_OR_WRITE)
@admin_required
def trunk_new(request: HttpRequest, account_id: str) -> HttpResponse:
    return _create(
        request,
        account_id,
        kind="trunk",
        form_class=TrunkForm,
        initial={
            "port": 5060,
            "vendor": "generic",
            "callerFormat": "national",
            "calledFormat": "national",
        },
        create=request.callable.create_trunk,
        template="accounts/trunk.html",
        done="Trunk added.",
    )


@require_http_methods(READ_OR_WRITE)
@admin_required_for_writes
def trunk(request: HttpRequest, account_id: str, trunk_id: str) -> HttpResponse:
    return _object_page(request, account_id, trunk_id, TRUNK)


@require_http_methods(READ_OR_WRITE)
@admin_required
def trunk_delete(request: HttpRequest, account_id: str, trunk_id: str) -> HttpResponse:
    return _object_delete(request, account_id, trunk_id, TRUNK)


# Hooks


def _hooks_by_kind(hooks: list[dict]) -> dict[str, list[dict]]:
    """Flow-hooks (steer a flow) and event-hooks (receive events) apart; unknown apps after."""

    def app(hook: dict) -> str:
        return str(hook.get("app", ""))

    return {
        "flow_hooks": [h for h in hooks if app(h).startswith("flow.")],
        "event_hooks": [h for h in hooks if app(h).startswith("event.")],
        "other_hooks": [h for h in hooks if not app(h).startswith(("flow.", "event."))],
    }


@require_http_methods(READ)
def hooks(request: HttpRequest, account_id: str) -> HttpResponse:
    api = request.callable
    account, hook_list = gather(lambda: api.account(account_id), lambda: api.hooks(account_id))
    return render(
        request,
        "accounts/hooks.html",
        {
            "account": account,
            "tab": "hooks",
            **_hooks_by_kind(hook_list),
        },
    )


@require_http_methods(READ_OR_WRITE)
@admin_required
def hook_new(request: HttpRequest, account_id: str) -> HttpResponse:
    return _create(
        request,
        account_id,
        kind="hook",
        form_class=HookForm,
        initial={"app": "event.generic", "method": "POST", "authType": "DISABLED", "priority": 10},
        create=request.callable.create_hook,
        template="accounts/hook.html",
        done="Hook added.",
    )


@require_http_methods(READ_OR_WRITE)
@admin_required_for_writes
def hook(request: HttpRequest, account_id: str, hook_id: str) -> HttpResponse:
    return _object_page(request, account_id, hook_id, HOOK)


@require_http_methods(READ_OR_WRITE)
@admin_required
def hook_delete(request: HttpRequest, account_id: str, hook_id: str) -> HttpResponse:
    return _object_delete(request, account_id, hook_id, HOOK)


# Shared by trunks and hooks


@dataclass(frozen=True)
class ObjectKind:
    """What differs between a trunk's pages and a hook's: names, form, and who uses one."""

    kind: str  # the API's word, also the client's method names: trunk(), update_trunk(), ...
    form_class: type[UpstreamObjectForm]
    template: str
    tab: str
    users: Callable[[graph.Flow, str], list]

    def page(self) -> str:
        return f"accounts:{self.kind}"

    def listing(self) -> str:
        return f"accounts:{self.tab}"


TRUNK = ObjectKind("trunk", TrunkForm, "accounts/trunk.html", "trunks", routes.gateways_using)
HOOK = ObjectKind("hook", HookForm, "accounts/hook.html", "hooks", routes.devices_naming)


def _object_page(
    request: HttpRequest, account_id: str, object_id: str, spec: ObjectKind
) -> HttpResponse:
    api = request.callable
    read = getattr(api, spec.kind)
    context = {"tab": spec.tab, "object_id": object_id}
    if request.method == "POST":
        update = getattr(api, f"update_{spec.kind}")
        return _save_edit(
            request,
            spec.form_class,
            kind=spec.kind,
            account_id=account_id,
            object_id=object_id,
            read=lambda: read(account_id, object_id),
            write=lambda document: update(account_id, object_id, document),
            show=lambda account, form, status: _page(
                request, spec.template, account, form, context, status=status
            ),
            done=f"{spec.kind.capitalize()} saved.",
        )
    account, stored, devices = gather(
        lambda: api.account(account_id),
        lambda: read(account_id, object_id),
        lambda: api.devices(account_id),
        tolerate=True,
    )
    for result in (account, stored):
        if isinstance(result, BaseException):
            raise result
    devices, devices_error = _section(devices)
    form = _edit_form(
        spec.form_class, kind=spec.kind, account=account, object_id=object_id, stored=stored
    )
    context.update(
        stored=stored,
        other_fields=_other_fields(stored, spec.form_class),
        used_by=spec.users(graph.parse(devices or []), object_id),
        devices_error=devices_error,
    )
    return _page(request, spec.template, account, form, context)


def _object_delete(
    request: HttpRequest, account_id: str, object_id: str, spec: ObjectKind
) -> HttpResponse:
    api = request.callable
    account, stored, devices = gather(
        lambda: api.account(account_id),
        lambda: getattr(api, spec.kind)(account_id, object_id),
        lambda: api.devices(account_id),
    )
    delete = getattr(api, f"delete_{spec.kind}")
    return _remove(
        request,
        account,
        stored,
        spec.users(graph.parse(devices), object_id),
        kind=spec.kind,
        object_id=object_id,
        delete=lambda: delete(account_id, object_id),
        page=spec.page(),
        listing=spec.listing(),
    )


def _page(request, template, account, form, context, *, status=200) -> HttpResponse:
    return render(request, template, {**context, "account": account, "form": form}, status=status)


def _create(
    request: HttpRequest,
    account_id: str,
    *,
    kind: str,
    form_class: type[UpstreamObjectForm],
    initial: dict,
    create: Callable[[str, dict], object],
    template: str,
    done: str,
) -> HttpResponse:
    context = {"tab": f"{kind}s", "object_id": None}
    if request.method == "POST":
        form, original = _bound_form(
            request, form_class, kind=kind, account_id=account_id, object_id="new"
        )
        account = _heading(account_id, original)
        if not form.is_valid():
            return _page(request, template, account, form, context, status=400)
        status = _check_siblings(request, form, kind, account_id, None)
        if status:
            return _page(request, template, account, form, context, status=status)
        document = {name: value for name, value in form.api_values().items() if value is not ABSENT}

        def save():
            with audited(
                request, account_id=account_id, kind=kind, action="create", after=document
            ) as entry:
                created = create(account_id, document)
                entry.object_id = created.id or ""
            return created

        saved, status, created = save_or_explain(form, save)
        if not saved:
            return _page(request, template, account, form, context, status=status)
        messages.success(request, done)
        if created.id:
            return redirect(f"accounts:{kind}", account_id, created.id)
        return redirect(f"accounts:{kind}s", account_id)
    account = request.callable.account(account_id)
    form = form_class(initial=initial)
    form.initial["original"] = sign_original(
        kind, account_id, "new", str(account.get("name") or ""), None
    )
    return _page(request, template, account, form, context)


def _remove(
    request: HttpRequest,
    account: dict,
    stored: dict,
    used_by: list,
    *,
    kind: str,
    object_id: str,
    delete: Callable[[], None],
    page: str,
    listing: str,
) -> HttpResponse:
    """GET: what removing it would break. POST: remove it, or say why the upstream would not."""
    refusal = None
    if request.method == "POST":
        try:
            with audited(
                request,
                account_id=account["id"],
                kind=kind,
                object_id=object_id,
                action="delete",
                before=stored,
            ):
                delete()
        except (UpstreamNotFound, UpstreamMethodNotAllowed):
            # The API documents no DELETE: a 404/405 means it does not remove these.
            messages.warning(request, f"The Callable API does not remove {kind}s.")
            return redirect(page, account["id"], object_id)
        except UpstreamRejected as exc:
            refusal = exc.message
        else:
            messages.success(request, f"{kind.capitalize()} removed.")
            return redirect(listing, account["id"])
    return render(
        request,
        "accounts/remove.html",
        {
            "account": account,
            "tab": f"{kind}s",
            "kind": kind,
            "stored": stored,
            "used_by": used_by,
            "refusal": refusal,
            "object_id": object_id,
            "back": reverse(page, args=[account["id"], object_id]),
        },
        status=409 if refusal else 200,
    )
