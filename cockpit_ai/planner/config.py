"""The planner core's configuration: every default once, and how overrides merge in.

The node maps its flat parameters onto this nested dict (``planner_node.config_from_params``);
``test/test_defaults.py`` checks that the schema's defaults give exactly these.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from cockpit_ai.planner.dialogue import DEFAULT_BRAND

DEFAULT_CONFIG: dict[str, Any] = {
    "brand": DEFAULT_BRAND,
    "model": "qwen2.5-coder-1.5b",  # a profile from assets.MODELS ...
    "model_path": "",  # ... or any GGUF file (wins when set)
    "n_threads": 2,
    "n_ctx": 2048,
    # prompt tokens per llama.cpp batch; 64 and 256 measured the same here (the fixed
    # prompts are cached, only ~30 tokens are evaluated per request)
    "n_batch": 256,
    "max_tokens": 160,
    # free text the router calls chat ("what's the capital of France"): plain text, no
    # JSON grammar, at most this many tokens (the chat tool's 300 characters)
    "chat_max_tokens": 90,
    # the learned router (planner/router.py) narrows the tools the model may call for a
    # request the rules left; false = the model always chooses among all tools
    "learned_router": True,
    # when the learned router is sure of the tool (router.SLOT_CONFIDENCE), the arguments
    # are read from the words (fastpath.fill) without the model, if every one is found;
    # the same words correct the model's call where they are unambiguous (fastpath.agree)
    "router_slots": True,
    # with router_slots: the words' unambiguous arguments correct the model's call
    "slot_agree": True,
    # the development requests nearest a request, with their calls, shown to the model
    # (router.similar); 0 = none, the default: prototyped, not shown to help, and each
    # example lengthens the prompt the model must read
    "few_shot": 0,
    "fastpath": True,
    "fast_only": False,
    "history_turns": 4,
    "landmark_timeout_s": 2.0,
    "break_reminder_s": 600.0,
    "fatigue_break_level": 3,  # FatigueLevel at which a break is offered (3 moderate)
    "confirm_timeout_s": 20.0,  # a question asked back (or an offer) is forgotten after this
    "history_db": "",  # "" = the trips node's file (data_dir()/trips.sqlite)
    "profile_db": "",  # the drivers' preferences; "" = data_dir()/profiles.sqlite
    # at a trip's start, the usual destination is offered once when the trip history says
    # it with at least this probability (0 = never offer)
    "trip_offer_min_probability": 0.5,
    # fatigue alerts (planner/alerts.py): a SEVERE warning is said again this often until
    # the level falls or the car stops
    "severe_repeat_s": 30.0,
    # proactive remarks on landmarks coming abeam (planner/proactive.py): off unless the
    # driver opts in; at most one per interval, places within this distance
    "proactive_remarks": False,
    "remark_interval_s": 120.0,
    "remark_max_distance_m": 200.0,
    # road-camera objects older than this (against the question) are not used (scene.py)
    "detection_max_age_s": 3.0,
    "cloud": {
        "enabled": False,  # the one switch: False = nothing ever leaves the car
        "base_url": "",
        "model": "default",
        "api_key_env": "COCKPIT_AI_CLOUD_KEY",
        "budget_s": 4.0,
        "cooldown_s": 30.0,
        "probe_timeout_s": 0.5,
        "response_format": "json_object_schema",
    },
    "privacy": {
        "position_grid_m": 1000.0,
        "audit_log": "",  # JSONL of every cloud request body; "" = no log
        "audit_retention_days": 30.0,  # audit entries older than this are dropped (0 = kept)
        "dialogue_ttl_s": 900.0,
        "history_retention_days": 90.0,
        # whose consent the cloud needs (cockpit-ai privacy consent give --driver NAME)
        "driver": "default",
        "consent_db": "",  # "" = data_dir()/privacy.sqlite
        "poi_db": "",  # names near the car kept out of cloud requests; "" = the bundled DB
    },
    "safety": {"allow": None, "moving_mps": 0.5},  # None = safety.DEFAULT_ALLOW
}


def merge_config(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """DEFAULT_CONFIG with ``overrides`` merged in (nested dicts merged key by key)."""
    cfg = copy.deepcopy(DEFAULT_CONFIG)

    def merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
        for k, v in src.items():
            if isinstance(v, dict) and isinstance(dst.get(k), dict):
                merge(dst[k], v)
            else:
                dst[k] = v

    merge(cfg, overrides or {})
    return cfg


def default_model_path(cfg: dict[str, Any], data: Path) -> Path:
    """The GGUF the config names: ``model_path`` if set, else the profile under data/."""
    from cockpit_ai.planner.assets import model_path

    explicit = str(cfg.get("model_path") or "")
    return Path(explicit) if explicit else model_path(data, str(cfg.get("model")))
