"""The answer templates in the brand's language (planner/languages.py)."""

from __future__ import annotations

import pytest

from cockpit_ai.planner.languages import LANGUAGES, _templates, localise, translate


def test_every_template_compiles_in_every_language() -> None:
    for language in LANGUAGES:
        if language != "en":
            assert len(_templates(language)) > 80


@pytest.mark.parametrize("english, german", [
    ("I found 2: 1. Kappeli, 350 metres, on your left, open now; 2. Café Engel, 1.2 "
     "kilometres, ahead.",
     "Ich habe 2 gefunden: 1. Kappeli, 350 Meter, links, jetzt geöffnet; 2. Café Engel, "
     "1,2 Kilometer, vor Ihnen."),
    ("On your left is Helsinki Cathedral (place of worship), 200 metres away. Also there: "
     "Senate Square.", "Links ist Helsinki Cathedral (Gotteshaus), 200 Meter entfernt. "
     "Außerdem dort: Senate Square."),
    ("You seem tired. How about a break? Café Engel (cafe) is 300 metres on your right. "
     "Shall I navigate there?", "Sie wirken müde. Wie wäre es mit einer Pause? Café Engel "
     "(Café) ist 300 Meter entfernt, rechts. Soll ich dorthin navigieren?"),
    ("Setting the temperature to 21.5 degrees for the driver.",
     "Ich stelle die Temperatur auf 21,5 Grad für den Fahrer."),
    ("Did you mean: set the temperature to 21 °C and turn the volume up?",
     "Meinten Sie: die Temperatur auf 21 °C stellen und lauter stellen?"),
    ("window is not a function I may control.",
     "Die Fenster darf ich in diesem Auto nicht bedienen."),
    ("Navigating to Ateneum, 1.4 km, about 1 hour 5 minutes.",
     "Ich navigiere zu Ateneum, 1,4 km, etwa 1 Stunde 5 Minuten."),
    ("I couldn't find any vegan restaurant nearby that is open now.",
     "Ich habe in der Nähe nichts gefunden, das jetzt geöffnet ist: Restaurant (vegan)."),
    ("Only vegetarian, as you told me. I found 1: 1. Zucchini, 80 metres, nearby.",
     "Nur vegetarisch, wie Sie mir gesagt haben. Ich habe 1 gefunden: 1. Zucchini, 80 "
     "Meter, in der Nähe."),
])
def test_common_answers_in_german(english: str, german: str) -> None:
    assert translate(english, "de") == (german, True)


def test_what_is_not_a_template_is_left_and_reported() -> None:
    assert translate("Berlin is the capital of Germany.", "de") == (
        "Berlin is the capital of Germany.", False)
    mixed, complete = translate("Pausing. The weather is fine.", "de")
    assert mixed == "Pause. The weather is fine." and not complete
    assert translate("Pausing.", "en") == ("Pausing.", True)
    assert localise("", "de") == ""


def test_a_place_name_is_kept_as_the_map_has_it() -> None:
    said = localise("Navigating to Helsinki Cathedral.", "de")
    assert said == "Ich navigiere zu Helsinki Cathedral."
    # a kind the table lacks is said as the map has it, the rest still translated
    assert localise("Kappeli (biergarten), 90 metres away.", "de") != ""
    assert localise("On your right is X (biergarten), 90 metres away.", "de") == (
        "Rechts ist X (biergarten), 90 Meter entfernt.")


def test_fatigue_alerts_and_remarks_are_said_in_german() -> None:
    from cockpit_ai.planner import alerts
    from cockpit_ai.planner.proactive import Sight, remark_text

    near = alerts.place_text("Café Metro", "cafe", "910 metres", along_route=True)
    beside = alerts.place_text("Café Metro", "cafe", "1.2 kilometres", along_route=False,
                               where="on your right")
    said = [alerts.remark_text(), alerts.break_text(""), alerts.break_text(near),
            alerts.break_text(beside), alerts.warning_text(near, repeat=0),
            alerts.warning_text("", repeat=2),
            remark_text(Sight("1", "Helsinki Cathedral", -80.0, 60.0, "building=cathedral",
                              "1852")),
            remark_text(Sight("2", "Ateneum", 85.0, 40.0, "tourism=museum")),
            remark_text(Sight("3", "Kiasma", 85.0, 40.0))]
    for english in said:
        german, complete = translate(english, "de")
        assert complete, english
        assert german != english
    assert translate(alerts.break_text(near), "de")[0] == (
        "Sie wirken müde. Wie wäre es mit einer Pause? Café Metro (Café) liegt 910 Meter "
        "weiter an der Route. Soll ich dorthin navigieren?")
    assert translate(said[6], "de")[0] == "Links: Helsinki Cathedral, 1852."
