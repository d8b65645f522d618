"""The model and its vocabulary: values typed in English or Chinese mean one thing."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from graph.model import Account, Contact, Department, Influence, OpportunityMember, TeamMember, personal_fields
from graph.vocabulary import (
    BuyingRole,
    DepartmentKind,
    Level,
    infer_level,
    parse_bool,
    parse_date,
    parse_roles,
    parse_stance,
    salesforce_role,
)


@pytest.mark.parametrize("title, level", [
    ("董事长", "executive"), ("总裁", "executive"), ("总经理", "executive"), ("副总经理", "executive"),
    ("副总裁", "executive"), ("CEO", "executive"), ("President", "executive"), ("Chief Engineer", "executive"),
    ("VP Engineering", "executive"), ("Vice President, Procurement", "executive"),
    ("采购总监", "director"), ("Director of Quality", "director"), ("Head of Engineering", "director"),
    ("采购经理", "manager"), ("车间主管", "manager"), ("Purchasing Manager", "manager"), ("Supervisor", "manager"),
    ("工艺工程师", "staff"), ("Buyer", "staff"), (None, "staff"),
    ("总裁秘书", "staff"), ("总裁助理", "staff"), ("Assistant to the CEO", "staff"), ("董事会秘书", "executive"),
    ("技术中心主任", "director"), ("Managing Director", "executive"),
])
def test_level_is_inferred_from_title_in_both_languages(title, level):
    assert infer_level(title).value == level


@pytest.mark.parametrize("raw, stance", [
    ("教练", 3), ("coach", 3), ("支持", 1), ("中立", 0), ("反对", -1), ("不认可", -1), ("2", 2),
    (3.0, 3), (-1, -1), ("", None), (None, None),
])
def test_stance_reads_numbers_and_words(raw, stance):
    assert parse_stance(raw) == stance


@pytest.mark.parametrize("raw", [4, "-2", "1.5", "maybe", True])
def test_stance_outside_scale_is_refused(raw):
    with pytest.raises(ValueError):
        parse_stance(raw)


def test_roles_split_on_all_separators_and_languages():
    assert parse_roles("决策者、influencer; 把关者,buyer") == {
        BuyingRole.DECIDER, BuyingRole.INFLUENCER, BuyingRole.GATEKEEPER, BuyingRole.BUYER}
    with pytest.raises(ValueError, match="not a known buying role"):
        parse_roles("decider;astronaut")


def test_dates_in_the_forms_spreadsheets_hold():
    assert parse_date("2026-10-05") == parse_date("2026/10/05") == parse_date("2026年10月5日") \
        == parse_date(dt.datetime(2026, 10, 5, 8, 30)) == parse_date("2026-10-05T08:00:00.000Z") \
        == dt.date(2026, 10, 5)
    with pytest.raises(ValueError, match="not a date"):
        parse_date("next week")


def test_yes_no_values():
    assert [parse_bool(v) for v in ("是", "否", "true", "FALSE", 1, 0, None, "√")] == \
        [True, False, True, False, True, False, False, True]
    with pytest.raises(ValueError):
        parse_bool("perhaps")


@pytest.mark.parametrize("role, mapped", [
    ("Decision Maker", "decider"), ("Economic Buyer", "decider"), ("Economic Decision Maker", "decider"),
    ("Evaluator", "influencer"), ("Influencer", "influencer"), ("Technical Buyer", "gatekeeper"),
    ("Executive Sponsor", "initiator"), ("Business User", "user"), ("Other", None), ("", None),
])
def test_salesforce_roles_map_onto_the_six_buying_roles(role, mapped):
    result = salesforce_role(role)
    assert (result.value if result else None) == mapped


def test_contact_reads_chinese_values_and_infers_level():
    c = Contact(id="C1", account_id="A", name="李明", title="采购总监", roles="决策者、把关者", stance="教练",
                influence="0.8", last_contact="2026年10月5日")
    assert c.level is Level.DIRECTOR
    assert c.roles == {BuyingRole.DECIDER, BuyingRole.GATEKEEPER}
    assert c.is_coach and c.influence == 0.8 and c.last_contact == dt.date(2026, 10, 5)
    assert c.row()["roles"] == ["decider", "gatekeeper"]


def test_explicit_level_wins_over_title():
    assert Contact(id="C", account_id="A", name="n", title="董事长", level="staff").level is Level.STAFF


def test_department_kind_inferred_from_name():
    assert Department(id="D", account_id="A", name="集采中心").kind is DepartmentKind.PURCHASING
    assert Department(id="D", account_id="A", name="Head Office").kind is DepartmentKind.OTHER


@pytest.mark.parametrize("bad", [
    {"share_of_wallet": 1.5}, {"tier": "D"}, {"posture": "sleep"}, {"kind": "planet"},
])
def test_account_refuses_bad_values(bad):
    with pytest.raises(ValidationError):
        Account(id="A", name="n", **bad)


def test_missing_required_fields_are_refused():
    with pytest.raises(ValidationError):
        Contact(id="C", name="no account")
    with pytest.raises(ValidationError):
        Influence(source_id="a", target_id="b", weight=1.2)


def test_personal_fields_are_marked_in_the_model():
    assert personal_fields(Contact) == {"email", "phone", "birthday", "notes"}
    assert personal_fields(Account) == frozenset()
    schema = Contact.model_json_schema()["properties"]
    assert schema["email"]["personal"] is True and "personal" not in schema["name"]


def test_team_member_and_member_defaults():
    t = TeamMember(id="T", name="张", role="大客户经理", accounts="A1;A2、A3", rank="1")
    assert t.role.value == "account_manager" and t.accounts == {"A1", "A2", "A3"} and t.rank == 1
    m = OpportunityMember(opportunity_id="O", contact_id="C", role="Economic Buyer", is_decider="是")
    assert m.role is BuyingRole.DECIDER and m.is_decider
