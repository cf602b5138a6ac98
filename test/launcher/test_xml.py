"""The XML launch reader: substitutions, scoping, includes and strict errors (no processes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit_ai.launcher.substitutions import Context, LaunchError, substitute
from cockpit_ai.launcher.xml_launch import load_launch

DATA = Path(__file__).parent / "data"


def test_substitutions() -> None:
    ctx = Context(configs={"a": "1", "name": "x"}, env={"HOME_X": "/h"}, file=DATA / "f.xml")
    assert substitute("$(var a)-$(var name)", ctx) == "1-x"
    assert substitute("$(env HOME_X)/y", ctx) == "/h/y"
    assert substitute("$(env MISSING_X dflt)", ctx) == "dflt"
    assert substitute("$(optenv MISSING_X)", ctx) == ""
    assert substitute("$(dirname)", ctx) == str(DATA)
    assert substitute("$(find-pkg-share cockpit_ai)", ctx).endswith("share/cockpit_ai")
    with pytest.raises(LaunchError, match="unknown substitution"):
        substitute("$(bogus x)", ctx)
    with pytest.raises(LaunchError, match="not set"):
        substitute("$(var nope)", ctx)


def test_outer_file_resolves_namespaces_params_and_remaps(tmp_path: Path) -> None:
    specs = load_launch(DATA / "outer.launch.xml", {"bag": str(tmp_path / "b")})
    by_name = {s.name: s for s in specs}
    assert set(by_name) == {"player", "cockpit/relay"}
    player = by_name["player"]
    assert player.respawn and player.respawn_delay_s == pytest.approx(0.3)
    assert player.cmd[0].endswith("lib/cockpit_ai/bag_player_node")
    assert "--params-file" in player.cmd and f"bag:={tmp_path / 'b'}" in player.cmd
    relay = by_name["cockpit/relay"]
    cmd = relay.cmd
    assert "__ns:=/cockpit" in cmd and "__node:=relay" in cmd
    assert "input:=/chatter" in cmd and "output:=relayed" in cmd
    # params from YAML come before the inline override, as ros2 launch orders them
    assert cmd.index("--params-file") < cmd.index("output_qos:=reliable")
    assert relay.env["COCKPIT_LAUNCH_TEST"] == "outer"


def test_required_arg_missing_is_clear() -> None:
    with pytest.raises(LaunchError, match=r"argument 'bag' is required.*bag:=VALUE"):
        load_launch(DATA / "outer.launch.xml", {})


@pytest.mark.parametrize("name, pattern", [
    ("bad_tag.launch.xml", r"bad_tag\.launch\.xml:3: <nodee>: unknown tag"),
    ("bad_attr.launch.xml", r"bad_attr\.launch\.xml:2: <node>: unknown attribute\(s\) nmae"),
])
def test_unknown_tag_or_attribute_names_file_line_and_element(name: str, pattern: str) -> None:
    with pytest.raises(LaunchError, match=pattern):
        load_launch(DATA / name, {})


def test_malformed_xml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.launch.xml"
    bad.write_text("<launch><node></launch>")
    with pytest.raises(LaunchError, match="not well-formed"):
        load_launch(bad, {})
    with pytest.raises(LaunchError, match="cannot read"):
        load_launch(tmp_path / "missing.launch.xml", {})


def test_group_scopes_configurations(tmp_path: Path) -> None:
    f = tmp_path / "g.launch.xml"
    f.write_text("""<launch>
  <let name="v" value="outer"/>
  <group><let name="v" value="inner"/>
    <node pkg="cockpit_ai" exec="relay_node" name="in_$(var v)"/></group>
  <node pkg="cockpit_ai" exec="relay_node" name="out_$(var v)"/>
  <node pkg="cockpit_ai" exec="relay_node" name="skipped" if="false"/>
  <node pkg="cockpit_ai" exec="relay_node" name="kept" unless="false"/>
</launch>""")
    names = [s.name for s in load_launch(f, {})]
    assert names == ["in_inner", "out_outer", "kept"]


def test_launch_prefix_is_split_like_a_shell_and_prepended(tmp_path: Path) -> None:
    f = tmp_path / "p.launch.xml"
    f.write_text("""<launch>
  <arg name="nice" default="10"/>
  <node pkg="cockpit_ai" exec="relay_node" name="niced" launch-prefix="nice -n $(var nice)"/>
  <executable cmd="python3 -c 'print(1)'" launch-prefix="env 'A=b c'"/>
  <node pkg="cockpit_ai" exec="relay_node" name="plain"/>
</launch>""")
    niced, exe, plain = load_launch(f, {"nice": "7"})
    assert niced.cmd[:3] == ["nice", "-n", "7"]
    assert niced.cmd[3].endswith("lib/cockpit_ai/relay_node") and "--ros-args" in niced.cmd
    assert exe.cmd == ["env", "A=b c", "python3", "-c", "print(1)"]
    assert exe.name == "python3"  # named after the program, not the prefix
    assert plain.cmd[0].endswith("lib/cockpit_ai/relay_node")


def test_bringup_priorities_and_governor_topics() -> None:
    """cockpit.launch.xml: background models niced, governor inputs in the same namespace."""
    from cockpit_ai.paths import package_share

    specs = load_launch(package_share() / "launch" / "cockpit.launch.xml",
                        {"live_sensors": "false"})
    by_name = {s.name: s for s in specs}
    for name, nice in (("cockpit/road_vision", "15"), ("cockpit/cabin_vision", "15"),
                       ("cockpit/fatigue", "10"), ("cockpit/landmark", "2")):
        cmd = by_name[name].cmd
        assert cmd[:3] == ["nice", "-n", nice], (name, cmd[:4])
        assert "__ns:=/cockpit" in cmd
        # relative names: speech_active/turn_active resolve to /cockpit/... like the
        # speech node's and the planner's outputs
        if name != "cockpit/landmark":
            assert "speech_active:=speech_active" in cmd and "turn_active:=turn_active" in cmd
    niced = load_launch(package_share() / "launch" / "cockpit.launch.xml",
                        {"live_sensors": "false", "vision_nice": "19"})
    assert {s.name: s for s in niced}["cockpit/cabin_vision"].cmd[:3] == ["nice", "-n", "19"]


def test_find_pkg_prefix_and_share_follow_the_ament_index(tmp_path: Path, monkeypatch) -> None:
    """A package in a sourced workspace (AMENT_PREFIX_PATH) is found through the ament index;
    one nowhere is a clear LaunchError naming it."""
    ws = tmp_path / "install"
    (ws / "share" / "ament_index" / "resource_index" / "packages").mkdir(parents=True)
    (ws / "share" / "ament_index" / "resource_index" / "packages" / "my_stack").touch()
    (ws / "share" / "my_stack").mkdir()
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(ws))
    ctx = Context(configs={}, env={}, file=DATA / "f.xml")
    assert substitute("$(find-pkg-prefix my_stack)", ctx) == str(ws)
    assert substitute("$(find-pkg-share my_stack)", ctx) == str(ws / "share" / "my_stack")
    # the package itself is still found in this interpreter's prefix (make setup's venv)
    assert substitute("$(find-pkg-share cockpit_ai)", ctx).endswith("share/cockpit_ai")
    with pytest.raises(LaunchError, match="package 'no_such_pkg' not found"):
        substitute("$(find-pkg-prefix no_such_pkg)", ctx)
