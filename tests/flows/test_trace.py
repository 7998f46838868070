import pytest

from flows.model.graph import parse
from flows.model.trace import GATEWAY_OUTCOMES, trace
from tests.flows.builders import (
    DARREN_DDI,
    DARREN_DDI_SPARE,
    DARREN_GATEWAY,
    DARREN_START,
    DEAN_DDI,
    darren_ddis,
    darren_devices,
    dean_ddis,
    dean_devices,
    gateway,
    menu,
    other,
    start,
)


def dean_flow(*extra):
    return parse([*dean_devices(), *extra], dean_ddis())


def test_an_answered_call_on_the_pages_flow_ends_at_hangup():
    result = trace(parse(darren_devices(), darren_ddis()), DARREN_DDI)

    assert result.steps == [(DARREN_START, "connectTo"), (DARREN_GATEWAY, "onComplete")]
    assert [link.path for link in result.links] == ["startRoute.connectTo", "sipGateway.onComplete"]
    assert (result.end, result.end_target, result.end_device) == (
        "terminal",
        "HANGUP",
        DARREN_GATEWAY,
    )
    assert result.starts == [DARREN_START]


@pytest.mark.parametrize(
    ("outcome", "path_after_dispatch", "end"),
    [
        ("answered", [], ("terminal", "HANGUP")),
        ("failed", [], ("terminal", "HANGUP")),
        ("no answer", [("dean-voicemail", "connectTo")], ("terminal", "HANGUP")),
        (
            "busy",
            [("dean-queue", "onTimeout"), ("dean-voicemail", "connectTo")],
            ("terminal", "HANGUP"),
        ),
    ],
)
def test_each_gateway_outcome_leaves_by_its_port(outcome, path_after_dispatch, end):
    port = GATEWAY_OUTCOMES[outcome]

    result = trace(dean_flow(), DEAN_DDI, {"dean-dispatch": port})

    assert result.steps == [
        ("dean-start", "connectTo"),
        ("dean-menu", "connectTo"),
        ("dean-dispatch", port),
        *path_after_dispatch,
    ]
    assert (result.end, result.end_target) == end


def test_gateway_outcomes_name_the_four_gateway_ports():
    assert GATEWAY_OUTCOMES == {
        "answered": "onComplete",
        "busy": "onBusy",
        "no answer": "onNoAnswer",
        "failed": "onFail",
    }


def test_the_default_gateway_outcome_applies_to_gateways_without_a_choice():
    result = trace(dean_flow(), DEAN_DDI, default_gateway_outcome="onNoAnswer")

    assert ("dean-dispatch", "onNoAnswer") in result.steps
    assert result.end_device == "dean-voicemail"


def test_a_menu_option_is_chosen_by_its_link_path():
    result = trace(dean_flow(), DEAN_DDI, {"dean-menu": "ivrMenu.options[1].connectTo"})

    assert result.steps[1:3] == [("dean-menu", "connectTo"), ("dean-queue", "onTimeout")]
    assert result.links[1].path == "ivrMenu.options[1].connectTo"


def test_a_call_that_comes_back_to_a_device_ends_in_a_loop():
    result = trace(dean_flow(), DEAN_DDI, {"dean-menu": "onNoMatch"})

    assert result.steps == [("dean-start", "connectTo"), ("dean-menu", "onNoMatch")]
    assert (result.end, result.end_device) == ("loop", "dean-menu")
    assert len(result.links) == 2


def test_a_link_to_a_deleted_device_ends_dangling():
    devices = dean_devices()
    devices[4]["voicemail"]["connectTo"] = "deleted-device-id"

    result = trace(parse(devices, dean_ddis()), DEAN_DDI, {"dean-dispatch": "onNoAnswer"})

    assert (result.end, result.end_target, result.end_device) == (
        "dangling",
        "deleted-device-id",
        "dean-voicemail",
    )


def test_a_number_no_start_lists_has_no_route():
    flow = parse(darren_devices(), darren_ddis())

    for ddi_id in (DARREN_DDI_SPARE, "not-a-ddi"):
        result = trace(flow, ddi_id)
        assert (result.end, result.steps, result.links, result.starts) == ("no_route", [], [], [])


def test_a_device_with_no_way_on_is_a_dead_end():
    flow = parse([start("s", ["n"], "q"), other("q", "QUEUE", "queue", maxWait=30)])

    result = trace(flow, "n")

    assert result.steps == [("s", "connectTo"), ("q", None)]
    assert (result.end, result.end_device) == ("dead_end", "q")


def test_a_chosen_port_the_device_does_not_have_is_a_dead_end():
    result = trace(dean_flow(), DEAN_DDI, {"dean-menu": "onHoliday"})

    assert result.steps[-1] == ("dean-menu", "onHoliday")
    assert result.end == "dead_end"


def test_without_connect_to_the_first_link_is_followed():
    flow = parse(
        [start("s", ["n"], "q"), other("q", "QUEUE", "queue", onFull="HANGUP", onTimeout="q")]
    )

    result = trace(flow, "n")

    assert result.steps[-1] == ("q", "onFull")


def test_a_number_on_two_starts_follows_the_first_and_says_so():
    flow = parse([start("s1", ["n"], "g1"), start("s2", ["n"], "g2"), gateway("g1"), gateway("g2")])

    result = trace(flow, "n")

    assert result.starts == ["s1", "s2"]
    assert result.steps[0] == ("s1", "connectTo")


def test_a_trace_through_three_thousand_devices_is_bounded_and_does_not_recurse():
    devices = [start("s", ["n"], "m0")] + [
        menu(f"m{i}", [(1, f"m{i + 1}" if i < 2999 else "m0")]) for i in range(3000)
    ]

    result = trace(parse(devices), "n")

    assert (result.end, result.end_device) == ("loop", "m0")
    assert len(result.steps) == 3001
