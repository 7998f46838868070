from hypothesis import given, settings

from flows.model.findings import CODES, SEVERITIES, by_device, strongly_connected, validate
from flows.model.graph import parse
from tests.flows.builders import (
    DARREN_DDI,
    DARREN_DDI_SPARE,
    DARREN_GATEWAY,
    DARREN_START,
    DEAN_DDI,
    DEAN_TRUNK,
    darren_ddis,
    darren_devices,
    darren_trunks,
    ddi_lists,
    dean_ddis,
    dean_devices,
    dean_trunks,
    device_lists,
    gateway,
    menu,
    other,
    start,
    trunk_lists,
)


def findings_of(devices, ddis=(), trunks=()):
    return validate(parse(devices, ddis, trunks))


def codes(findings):
    return [(finding.code, finding.device_id) for finding in findings]


def only(findings, code):
    return [finding for finding in findings if finding.code == code]


def dean(*extra, ddis=None):
    return findings_of(
        [*dean_devices(), *extra], dean_ddis() if ddis is None else ddis, dean_trunks()
    )


def test_a_clean_flow_has_no_findings():
    assert findings_of(darren_devices(), darren_ddis()[:1], darren_trunks()) == []
    # all there is to say about Dean's flow: its menu, queue and voicemail are types the
    # dashboard does not know
    assert [(f.code, f.field) for f in dean()] == [
        ("unknown_type", "IVR_MENU"),
        ("unknown_type", "QUEUE"),
        ("unknown_type", "VOICEMAIL"),
    ]


def test_a_link_to_a_device_that_does_not_exist_is_an_error_on_its_field():
    devices = dean_devices()
    devices[3]["queue"]["onTimeout"] = "5f1e0c1a-0000-4bad-beef-000000000000"

    [finding] = only(findings_of(devices, dean_ddis(), dean_trunks()), "dangling_link")

    assert (finding.severity, finding.device_id, finding.field) == (
        "error",
        "dean-queue",
        "queue.onTimeout",
    )
    assert "“Bookings queue”" in finding.message and "5f1e0c1a" in finding.message


def test_a_device_no_call_reaches_is_a_warning():
    findings = dean(
        gateway("old", name="Old gateway"), other("older", "QUEUE", "queue", onTimeout="old")
    )

    assert codes(only(findings, "unreachable")) == [
        ("unreachable", "old"),
        ("unreachable", "older"),
    ]
    assert "“Old gateway”" in only(findings, "unreachable")[0].message
    assert all(finding.severity == "warning" for finding in only(findings, "unreachable"))


def test_a_start_without_a_ddi_is_a_warning():
    findings = dean(start("quiet", [], "dean-menu", name="Quiet line"))

    [finding] = only(findings, "start_without_ddi")
    assert (finding.severity, finding.device_id, finding.field) == (
        "warning",
        "quiet",
        "startRoute.ddis",
    )
    assert "“Quiet line”" in finding.message


def test_a_start_that_leads_nowhere_is_a_warning():
    findings = dean(start("stub", [], name="Stub"), start("hangs", [], "HANGUP"))

    assert codes(only(findings, "start_not_connected")) == [("start_not_connected", "stub")]


def test_a_ddi_listed_by_two_starts_is_an_error_on_each():
    findings = dean(start("second", [DEAN_DDI], "dean-menu", name="Second line"))

    pair = only(findings, "ddi_on_two_starts")
    assert codes(pair) == [("ddi_on_two_starts", "dean-start"), ("ddi_on_two_starts", "second")]
    assert all(finding.severity == "error" for finding in pair)
    assert "441234000111" in pair[0].message and "“Second line”" in pair[0].message


def test_an_account_ddi_routed_nowhere_is_a_warning_about_the_number():
    findings = findings_of(darren_devices(), darren_ddis(), darren_trunks())

    [finding] = findings
    assert (finding.severity, finding.code, finding.device_id, finding.field) == (
        "warning",
        "ddi_unrouted",
        None,
        DARREN_DDI_SPARE,
    )
    assert "441234567891" in finding.message


def test_a_start_listing_a_number_the_account_does_not_have_is_an_error():
    findings = findings_of(darren_devices(), [], darren_trunks())

    [finding] = only(findings, "unknown_ddi")
    assert (finding.severity, finding.device_id) == ("error", DARREN_START)
    assert DARREN_DDI in finding.message


def test_a_gateway_with_no_trunk_is_an_error():
    findings = dean(
        start("s2", ["n2"], "bare"),
        gateway("bare", trunks=[], name="Bare GW"),
        ddis=[
            *dean_ddis(),
            {"id": "n2", "name": "441234000222"},
        ],
    )

    [finding] = only(findings, "gateway_without_trunk")
    assert (finding.severity, finding.device_id, finding.field) == (
        "error",
        "bare",
        "sipGateway.trunks",
    )


def test_a_gateway_listing_an_unknown_trunk_is_an_error():
    findings = findings_of(
        [start("s", ["n"], "g"), gateway("g", trunks=[DEAN_TRUNK, "gone"])],
        [{"id": "n", "name": "44"}],
        dean_trunks(),
    )

    [finding] = only(findings, "unknown_trunk")
    assert (finding.severity, finding.device_id) == ("error", "g")
    assert "gone" in finding.message


def test_a_duplicate_extension_is_a_warning_on_each_device_holding_it():
    devices = dean_devices()
    devices[4]["extension"] = "701"

    findings = findings_of(devices, dean_ddis(), dean_trunks())

    assert codes(only(findings, "duplicate_extension")) == [
        ("duplicate_extension", "dean-dispatch"),
        ("duplicate_extension", "dean-voicemail"),
    ]
    assert "“Taxi voicemail”" in only(findings, "duplicate_extension")[0].message


def test_a_loop_no_call_can_leave_is_an_error_on_each_device_in_it():
    findings = dean(
        start("s2", ["n2"], "ping"),
        other("ping", "QUEUE", "queue", name="Ping", onTimeout="pong"),
        other("pong", "QUEUE", "queue", name="Pong", onTimeout="ping"),
        other("spin", "QUEUE", "queue", name="Spin", onTimeout="spin"),
        ddis=[*dean_ddis(), {"id": "n2", "name": "2"}],
    )

    loops = only(findings, "closed_loop")
    assert codes(loops) == [
        ("closed_loop", "ping"),
        ("closed_loop", "pong"),
        ("closed_loop", "spin"),
    ]
    assert "“Ping” and “Pong”" in loops[0].message
    assert "itself" in loops[2].message


def test_a_loop_with_a_way_out_is_not_a_closed_loop():
    # Dean's menu repeats itself and its queue sends callers back to it: both loops have exits
    assert only(dean(), "closed_loop") == []
    looped = dean_devices()
    looped[3]["queue"]["onTimeout"] = "dean-menu"
    assert [sorted(c) for c in strongly_connected(parse(looped)) if len(c) > 1] == [
        ["dean-dispatch", "dean-menu", "dean-queue"]
    ]
    assert only(findings_of(looped, dean_ddis(), dean_trunks()), "closed_loop") == []


def test_a_long_closed_loop_is_found_without_recursion():
    devices = [start("s", ["n"], "q0")] + [
        other(f"q{i}", "QUEUE", "queue", onTimeout=f"q{(i + 1) % 5000}") for i in range(5000)
    ]

    findings = findings_of(devices, [{"id": "n", "name": "1"}])

    assert len(only(findings, "closed_loop")) == 5000


def test_devices_of_unknown_types_get_one_info_per_type_and_the_link_checks():
    findings = dean(other("mystery", "CALL_PARK", "callPark", onTimeout="deleted-device"))

    info = only(findings, "unknown_type")
    assert [(finding.severity, finding.field) for finding in info] == [
        ("info", "IVR_MENU"),
        ("info", "QUEUE"),
        ("info", "VOICEMAIL"),
        ("info", "CALL_PARK"),
    ]
    assert codes(only(findings, "dangling_link")) == [("dangling_link", "mystery")]
    assert codes(only(findings, "unreachable")) == [("unreachable", "mystery")]


def test_a_known_type_without_its_settings_object_is_an_error():
    findings = findings_of(
        [
            {"id": "s", "type": "ROUTE_START", "name": "No settings"},
            {"id": "g", "type": "SIP_GATEWAY", "name": "Bad settings", "sipGateway": ["x"]},
        ]
    )

    invalid = only(findings, "invalid_settings")
    assert [(f.device_id, f.field) for f in invalid] == [("s", "startRoute"), ("g", "sipGateway")]
    assert "missing" in invalid[0].message and "not an object" in invalid[1].message
    # the settings error stands alone: no start or gateway checks on settings that are not there
    assert only(findings, "start_without_ddi") == only(findings, "gateway_without_trunk") == []


def test_entries_that_are_not_devices_and_duplicate_ids_are_errors():
    devices = [*darren_devices(), None, {"name": "no id"}, {**darren_devices()[0], "name": "Copy"}]

    findings = findings_of(devices, darren_ddis()[:1], darren_trunks())

    assert codes(findings) == [
        ("duplicate_id", DARREN_GATEWAY),
        ("invalid_device", None),
        ("invalid_device", None),
    ]
    assert [finding.field for finding in findings] == ["id", "[2]", "[3]"]
    assert "“Primary GW”" in findings[0].message


def test_findings_are_sorted_errors_first_then_by_device_order():
    devices = [
        gateway("g1", trunks=[], name="G1"),
        start("s1", [], "g1"),
        gateway("g2", trunks=["gone"], name="G2", extension="9"),
        gateway("g3", name="G3", extension="9"),
    ]

    findings = findings_of(devices, [{"id": "spare", "name": "1"}], dean_trunks())

    ranks = [SEVERITIES.index(finding.severity) for finding in findings]
    assert ranks == sorted(ranks)
    errors = [finding.device_id for finding in findings if finding.severity == "error"]
    assert errors == ["g1", "g2"]
    warnings = [(f.code, f.device_id) for f in findings if f.severity == "warning"]
    assert warnings == [
        ("start_without_ddi", "s1"),
        ("unreachable", "g2"),
        ("duplicate_extension", "g2"),
        ("unreachable", "g3"),
        ("duplicate_extension", "g3"),
        ("ddi_unrouted", None),
    ]


def test_by_device_groups_findings_and_leaves_account_findings_out():
    findings = findings_of(darren_devices(), darren_ddis(), [])

    grouped = by_device(findings)

    assert set(grouped) == {DARREN_GATEWAY}
    assert [f.code for f in grouped[DARREN_GATEWAY]] == ["unknown_trunk"]


@settings(max_examples=200, deadline=None)
@given(device_lists, ddi_lists, trunk_lists)
def test_validate_never_crashes_and_speaks_only_known_codes(devices, ddis, trunks):
    flow = parse(devices, ddis, trunks)

    findings = validate(flow)

    for finding in findings:
        assert finding.code in CODES
        assert finding.severity in SEVERITIES
        assert finding.device_id is None or finding.device_id in flow.devices
        assert finding.message
    assert [SEVERITIES.index(f.severity) for f in findings] == sorted(
        SEVERITIES.index(f.severity) for f in findings
    )


def test_menu_builder_is_what_the_findings_tests_assume():
    # guards the fixtures: a menu with one option and nothing else is fully linked
    flow = parse([start("s", [DARREN_DDI], "m"), menu("m", [(1, "HANGUP")])], darren_ddis()[:1])
    assert [link.kind for link in flow.outgoing("m")] == ["terminal"]
