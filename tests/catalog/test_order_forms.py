"""Order forms of request items: definitions checked field by field, forms built at
run time and validated on the server, conditional fields, answers kept as the
definition stood."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from catalog import order_forms
from catalog.models import RequestItem
from tests.factories import ConfigurationItemFactory, UserFactory

LAPTOP = [
    {"name": "model", "label": "Model", "kind": "choice", "required": True,
     "choices": [["std", "Standard"], ["dev", "Developer"]]},
    {"name": "reason", "label": "Why a developer laptop?", "kind": "long_text",
     "required": True, "shown_when": {"field": "model", "equals": "dev"}},
    {"name": "monitors", "label": "Monitors", "kind": "number", "default": 1},
    {"name": "needed_by", "label": "Needed by", "kind": "date"},
    {"name": "extras", "label": "Extras", "kind": "multi_choice",
     "choices": [["dock", "Docking station"], ["bag", "Bag"]]},
    {"name": "headset", "label": "Headset", "kind": "yes_no", "required": True},
    {"name": "for_whom", "label": "For", "kind": "person"},
    {"name": "replaces", "label": "Replaces", "kind": "ci"},
    {"name": "note", "label": "Anything else", "kind": "text"},
]


def form(data, definition=LAPTOP):
    built = order_forms.OrderForm(order_forms.parse(definition), data)
    built.is_valid()
    return built


@pytest.mark.django_db
def test_a_valid_order_keeps_each_answer_with_its_label():
    UserFactory(username="nina", first_name="Nina", last_name="Berg")
    ConfigurationItemFactory(name="laptop-0042")
    built = form({"model": "dev", "reason": "Builds", "monitors": "2",
                  "needed_by": "2026-12-14", "extras": ["dock", "bag"], "headset": "no",
                  "for_whom": "nina", "replaces": "laptop-0042", "note": ""})
    assert built.is_valid(), built.errors
    answers = {answer["name"]: answer for answer in built.answers()}
    assert answers["model"] == {"name": "model", "label": "Model", "kind": "choice",
                                "value": "dev", "shown": "Developer"}
    assert answers["monitors"]["value"] == 2
    assert answers["needed_by"]["value"] == "2026-12-14"
    assert answers["extras"]["shown"] == "Docking station, Bag"
    assert (answers["headset"]["value"], answers["headset"]["shown"]) == (False, "No")
    assert (answers["for_whom"]["value"], answers["for_whom"]["shown"]) == ("nina",
                                                                              "Nina Berg")
    assert answers["replaces"]["value"] == "laptop-0042"
    assert answers["note"]["shown"] == "—"


@pytest.mark.django_db
@pytest.mark.parametrize("data, field", [
    ({"headset": "yes"}, "model"),  # required
    ({"model": "gold", "headset": "yes"}, "model"),  # not a choice
    ({"model": "dev", "headset": "yes"}, "reason"),  # required once shown
    ({"model": "std", "headset": "yes", "monitors": "many"}, "monitors"),
    ({"model": "std", "headset": "yes", "needed_by": "soon"}, "needed_by"),
    ({"model": "std", "headset": "yes", "extras": ["cape"]}, "extras"),
    ({"model": "std"}, "headset"),  # a required yes/no is answered yes or no
    ({"model": "std", "headset": "yes", "for_whom": "nobody"}, "for_whom"),
    ({"model": "std", "headset": "yes", "replaces": "no-such-ci"}, "replaces"),
    ({"model": "std", "headset": "yes", "note": "x" * 501}, "note"),
])
def test_a_bad_answer_is_an_error_on_its_field(data, field):
    built = form(data)
    assert not built.is_valid()
    assert list(built.errors) == [field]


@pytest.mark.django_db
def test_a_hidden_field_is_neither_required_nor_kept():
    built = form({"model": "std", "reason": "ignored", "headset": "yes"})
    assert built.is_valid(), built.errors
    assert "reason" not in {answer["name"] for answer in built.answers()}


def test_a_yes_no_default_and_a_number_default_show_in_the_form():
    built = order_forms.OrderForm(order_forms.parse(
        [*LAPTOP, {"name": "bag", "label": "Bag", "kind": "yes_no", "default": True}]))
    assert built.fields["monitors"].initial == 1
    assert built.fields["bag"].initial == "yes"


def test_a_condition_on_a_multi_choice_field_shows_when_the_choice_is_among_the_answers():
    spec = order_forms.FieldSpec("x", "X", "text", shown_when=("extras", "dock"))
    assert spec.shown({"extras": ["bag", "dock"]})
    assert not spec.shown({"extras": ["bag"]})
    assert not spec.shown({})


@pytest.mark.parametrize("definition, says", [
    ({"name": "x"}, "list of fields"),
    ([{"name": "x", "label": "X", "kind": "text"}] * 2, "taken by an earlier field"),
    ([{"name": "X y", "label": "X", "kind": "text"}], "lower-case"),
    ([{"name": "x", "label": " ", "kind": "text"}], "label"),
    ([{"name": "x", "label": "X", "kind": "colour"}], "the kind is one of"),
    ([{"name": "x", "label": "X", "kind": "choice"}], "lists its choices"),
    ([{"name": "x", "label": "X", "kind": "choice", "choices": [["a", "A"], ["a", "B"]]}],
     "same value"),
    ([{"name": "x", "label": "X", "kind": "text", "choices": [["a", "A"]]}],
     "only choice fields"),
    ([{"name": "x", "label": "X", "kind": "text",
       "shown_when": {"field": "y", "equals": 1}}], "earlier field"),
    ([{"name": "x", "label": "X", "kind": "number", "default": "many"}], "default"),
    ([{"name": "x", "label": "X", "kind": "yes_no", "default": "maybe"}], "true or false"),
    ([{"name": "x", "label": "X", "kind": "text", "colour": "red"}], "unknown settings"),
    ([{"name": f"f{n}", "label": "F", "kind": "text"} for n in range(51)], "at most 50"),
])
def test_a_bad_definition_says_which_field_and_why(definition, says):
    with pytest.raises(ValidationError) as raised:
        order_forms.parse(definition)
    assert says in " ".join(raised.value.messages)


@pytest.mark.django_db
def test_an_items_form_is_checked_when_saved_and_old_answers_stay_as_they_were(service):
    item = RequestItem(service=service, name="Laptop", order_form=[{"name": "x"}])
    with pytest.raises(ValidationError) as raised:
        item.full_clean()
    assert "order_form" in raised.value.message_dict
    item.order_form = LAPTOP
    item.full_clean()
    item.save()
    ordered = order_forms.OrderForm(item.order_fields(), {"model": "std", "headset": "yes"})
    assert ordered.is_valid(), ordered.errors
    answers = ordered.answers()
    item.order_form = [{**LAPTOP[0], "label": "Laptop model",
                        "choices": [["std", "Standard 14 inch"], ["dev", "Developer"]]}]
    item.save()
    # What the request keeps reads as it did when ordered.
    assert answers[0]["label"] == "Model" and answers[0]["shown"] == "Standard"


@pytest.mark.django_db
def test_an_integration_reads_the_form_definition_and_the_admin_refuses_a_bad_one(
        service, api_as, agent, admin, client):
    item = RequestItem.objects.create(service=service, name="Laptop", order_form=LAPTOP)
    listed = api_as(agent).get(f"/api/v1/catalog/items/{item.pk}/")
    assert listed.status_code == 200 and listed.json()["order_form"] == LAPTOP
    client.force_login(admin)
    response = client.post(f"/admin/catalog/requestitem/{item.pk}/change/", {
        "service": service.pk, "name": "Laptop", "order_form": '[{"name": "x"}]',
        "is_active": "on"})
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert errors["order_form"] == ["Field 1: give the label people see."]
    item.refresh_from_db()
    assert item.order_form == LAPTOP
