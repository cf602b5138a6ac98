"""Valid messages and must-refuse values of every fuzzed input, and the table of inputs.

``INPUTS`` lists every subscription of every node (test_fuzz_coverage.py checks it against
the ``create_subscription`` calls in cockpit_ai/**/*_node.py). ``seen``/``rejected`` name
the node's /diagnostics counters; an input with ``seen=()`` is not counted by its node
(listed in UNCOUNTED: fuzzed for liveness only until its node counts it).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from fuzzkit import Input, now_stamp

HELSINKI = (60.1699, 24.9384)
NAN = math.nan
_IDS = itertools.count()


def new_id() -> str:
    """A request id never used before in this session (ids seen twice are resends)."""
    return f"fz-{next(_IDS)}"


def fix(i: int) -> Any:
    from sensor_msgs.msg import NavSatFix, NavSatStatus

    msg = NavSatFix(latitude=HELSINKI[0], longitude=HELSINKI[1], altitude=20.0)
    msg.header.stamp = now_stamp()
    msg.header.frame_id = "gnss"
    msg.status.status = NavSatStatus.STATUS_FIX
    msg.status.service = NavSatStatus.SERVICE_GPS
    msg.position_covariance_type = NavSatFix.COVARIANCE_TYPE_UNKNOWN
    return msg


def odom(i: int) -> Any:
    from nav_msgs.msg import Odometry

    msg = Odometry()
    msg.header.stamp = now_stamp()
    msg.header.frame_id = "odom"
    msg.pose.pose.orientation.w = 1.0
    return msg


BAD_POSITIONS = [("latitude", NAN), ("longitude", NAN), ("latitude", math.inf),
                 ("longitude", -math.inf), ("latitude", 91.0), ("latitude", -1e300),
                 ("longitude", 181.0), ("longitude", 1e308), ("status.status", -1)]
BAD_SPEEDS = [("twist.twist.linear.x", NAN), ("twist.twist.linear.y", math.inf),
              ("twist.twist.linear.z", -math.inf), ("twist.twist.linear.x", 1e200)]
BAD_NANOSEC = ("header.stamp.nanosec", 2**32 - 1)  # 4.3 s ahead: not a builtin Time
BAD_QUATERNIONS = [("pose.pose.orientation.w", 0.0), ("pose.pose.orientation.x", NAN),
                   ("pose.pose.orientation.w", math.inf)]


def trips_inputs() -> list[Input]:
    return [
        Input("trips_node", "fix", "sensor_msgs/msg/NavSatFix", "MOTION",
              seen=("fixes", "rejected_fixes", "errors"),
              rejected=("rejected_fixes", "errors"), valid=fix,
              invalid=BAD_POSITIONS + [BAD_NANOSEC], ordered_by_stamp=True),
        Input("trips_node", "odom", "nav_msgs/msg/Odometry", "MOTION",
              seen=("odometry", "rejected_odometry", "errors"),
              rejected=("rejected_odometry", "errors"), valid=odom,
              invalid=BAD_SPEEDS + [BAD_NANOSEC], ordered_by_stamp=True),
    ]


def home_command(i: int) -> Any:
    from cockpit_ai.msg import HomeCommand

    msg = HomeCommand(request_id=new_id(), device="heating", action="on")
    msg.header.stamp = now_stamp()
    msg.when = HomeCommand.NOW
    return msg


def home_inputs() -> list[Input]:
    return [
        Input("home_node", "home_command", "cockpit_ai/msg/HomeCommand", "RELIABLE",
              # a bad command is answered REFUSED (counted status_refused)
              seen=("commands",), rejected=("status_refused", "errors"),
              valid=home_command,
              invalid=[("when", 2), ("when", 255), ("device", "toaster"), ("device", ""),
                       ("action", "explode"), ("device", "\x00"), ("device", "h" * 100_000)]),
        Input("home_node", "fix", "sensor_msgs/msg/NavSatFix", "SENSOR",
              seen=("fixes", "rejected_fixes", "errors"),
              rejected=("rejected_fixes", "errors"), valid=fix, invalid=BAD_POSITIONS),
    ]


def landmark_query(i: int) -> Any:
    from cockpit_ai.msg import LandmarkQuery

    msg = LandmarkQuery(request_id=new_id(), text="museum", side=LandmarkQuery.SIDE_ANY,
                        radius_m=500.0, limit=3, use_position=True,
                        latitude_deg=HELSINKI[0], longitude_deg=HELSINKI[1],
                        heading_deg=90.0)
    msg.header.stamp = now_stamp()
    return msg


def landmark_inputs() -> list[Input]:
    return [
        Input("landmark_node", "fix", "sensor_msgs/msg/NavSatFix", "SENSOR",
              seen=("fixes", "rejected_fixes", "errors"),
              rejected=("rejected_fixes", "errors"), valid=fix, invalid=BAD_POSITIONS),
        Input("landmark_node", "odom", "nav_msgs/msg/Odometry", "SENSOR",
              seen=("odometry", "rejected_odometry", "errors"),
              rejected=("rejected_odometry", "errors"), valid=odom, invalid=BAD_QUATERNIONS),
        Input("landmark_node", "landmark_query", "cockpit_ai/msg/LandmarkQuery", "RELIABLE",
              seen=("queries",), rejected=("errors",), valid=landmark_query,
              invalid=[("side", 9), ("side", 255), ("latitude_deg", NAN),
                       ("longitude_deg", math.inf), ("latitude_deg", 1e300)]),
    ]


def response(i: int) -> Any:
    from cockpit_ai.msg import AssistantResponse

    msg = AssistantResponse(request_id=new_id(), text="Okay.", language="en",
                            backend="fast", priority=AssistantResponse.PRIORITY_NORMAL)
    msg.header.stamp = now_stamp()
    return msg


def boolean(i: int) -> Any:
    from std_msgs.msg import Bool

    return Bool(data=bool(i % 2))


def false(i: int) -> Any:
    from std_msgs.msg import Bool

    return Bool(data=False)


def tts_inputs() -> list[Input]:
    return [
        Input("tts_node", "response", "cockpit_ai/msg/AssistantResponse", "RELIABLE",
              seen=("responses",), rejected=("refused_responses",), valid=response,
              invalid=[("text", "x" * 200_000), ("priority", 7)], examples=25),
        Input("tts_node", "response/partial", "cockpit_ai/msg/AssistantResponse", "RELIABLE",
              seen=("partials",), rejected=("refused_partials",), valid=response,
              invalid=[("text", "y" * 200_000), ("priority", 2)], examples=25),
        Input("tts_node", "speech_active", "std_msgs/msg/Bool", "RELIABLE",
              seen=("speech_active",), rejected=(), valid=false, examples=15),
    ]


def audio(i: int) -> Any:
    from cockpit_ai.msg import AudioChunk

    msg = AudioChunk(sample_rate_hz=16000, channels=1, encoding=AudioChunk.ENCODING_S16LE,
                     sequence=i)
    msg.header.stamp = now_stamp()
    msg.header.frame_id = "mic"
    msg.samples = [0] * 320  # 20 ms of silence
    return msg


def speech_inputs() -> list[Input]:
    return [
        Input("speech_node", "audio", "cockpit_ai/msg/AudioChunk", "AUDIO",
              seen=("chunks",), rejected=("bad_chunks",), valid=audio,
              invalid=[("encoding", "MP3"), ("encoding", "\ufffd"), ("channels", 0),
                       ("sample_rate_hz", 0), ("sample_rate_hz", 2**32 - 1),
                       ("samples", [1] * 16000 * 11)], examples=30),
        # (a sequence far ahead is a new numbering: counted as sequence_restarts, not lost)
        Input("speech_node", "tts/active", "std_msgs/msg/Bool", "LATCHED",
              seen=("tts_active",), rejected=(), valid=false, examples=10, one_at_a_time=True),
        Input("speech_node", "response", "cockpit_ai/msg/AssistantResponse", "RELIABLE",
              seen=("responses",), rejected=(), valid=response, examples=20),
        Input("speech_node", "response/partial", "cockpit_ai/msg/AssistantResponse",
              "RELIABLE", seen=("responses",), rejected=(), valid=response, examples=20),
        Input("speech_node", "tts/audio", "cockpit_ai/msg/AudioChunk", "AUDIO",
              seen=("reference_chunks",), rejected=("bad_reference_chunks",), valid=audio,
              invalid=[("encoding", "MP3"), ("channels", 0), ("sample_rate_hz", 0)],
              examples=20),
        Input("speech_node", "landmarks", "cockpit_ai/msg/LandmarkArray", "RELIABLE",
              seen=("landmark_results",), rejected=(), valid=landmarks, examples=15),
        Input("speech_node", "landmarks/nearby", "cockpit_ai/msg/LandmarkArray", "RELIABLE",
              seen=("nearby_updates",), rejected=(), valid=landmarks, examples=15),
        Input("speech_node", "fix", "sensor_msgs/msg/NavSatFix", "MOTION",
              seen=("fixes", "fixes_ignored"), rejected=("fixes_ignored",), valid=fix,
              invalid=BAD_POSITIONS, examples=15),
        Input("speech_node", "push_to_talk", "std_msgs/msg/Bool", "RELIABLE",
              seen=("push_to_talk",), rejected=(), valid=false,  # always_on: all ignored
              examples=10),
    ]


def landmarks(i: int) -> Any:
    from cockpit_ai.msg import Landmark, LandmarkArray

    msg = LandmarkArray(request_id=new_id())
    msg.header.stamp = now_stamp()
    msg.landmarks = [Landmark(name="Ateneum", name_en="Ateneum Art Museum",
                              side=Landmark.SIDE_RIGHT, distance_m=40.0)]
    return msg


def image(i: int) -> Any:
    from sensor_msgs.msg import Image

    msg = Image(height=48, width=64, encoding="bgr8", is_bigendian=0, step=64 * 3)
    msg.data = bytes(48 * 64 * 3)
    msg.header.stamp = now_stamp()
    msg.header.frame_id = "camera"
    return msg


BAD_IMAGES = [("encoding", "yuv422_weird"), ("encoding", ""), ("width", 0),
              ("height", 2**32 - 1), ("step", 1), ("data", b""), ("data", bytes(7)),
              ("width", 65535), ("encoding", "32FC1")]


def vision_inputs() -> list[Input]:
    return [Input("vision_node", "image", "sensor_msgs/msg/Image", "SENSOR",
                  seen=("frames_in",), rejected=("bad_images", "errors"), valid=image,
                  invalid=BAD_IMAGES, examples=20)]


_JPEG: list[bytes] = []


def jpeg(i: int) -> Any:
    """A small real JPEG (a gradient), made once."""
    from sensor_msgs.msg import CompressedImage

    if not _JPEG:
        import numpy as np

        from cockpit_ai.vision.images import bgr_to_compressed

        pixels = np.tile(np.arange(64, dtype=np.uint8), (48, 1))[:, :, None].repeat(3, 2)
        _JPEG.append(bytes(bgr_to_compressed(pixels, quality=80).data))
    msg = CompressedImage(format="jpeg", data=_JPEG[0])
    msg.header.stamp = now_stamp()
    msg.header.frame_id = "camera"
    return msg


def image_relay_inputs() -> list[Input]:
    """Both directions of the image relay (one process each): raw → JPEG, JPEG → raw."""
    huge = b"\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03" + bytes(40)
    return [
        Input("image_relay_node", "image", "sensor_msgs/msg/Image", "SENSOR",
              seen=("frames_in",), rejected=("bad_images", "errors"), valid=image,
              invalid=BAD_IMAGES, examples=15),
        Input("image_relay_node", "compressed", "sensor_msgs/msg/CompressedImage", "SENSOR",
              seen=("frames_in",), rejected=("bad_images", "errors"), valid=jpeg,
              invalid=[("format", "png"), ("format", ""), ("data", b""),
                       ("data", b"\xff\xd8garbage"), ("data", huge),
                       ("data", b"GIF89a" + bytes(30))], examples=15),
    ]


def voice(i: int) -> Any:
    from cockpit_ai.msg import VoiceFeatures

    msg = VoiceFeatures(utterance_id=new_id(), duration_s=1.5, speech_rate_wps=2.5,
                        pause_ratio=0.2, pitch_mean_hz=120.0, pitch_std_hz=20.0,
                        loudness_dbfs=-20.0)
    msg.header.stamp = now_stamp()
    return msg


def fatigue_inputs() -> list[Input]:
    return [
        Input("fatigue_node", "image", "sensor_msgs/msg/Image", "SENSOR",
              seen=("images", "bad_images"), rejected=("bad_images",), valid=image,
              invalid=BAD_IMAGES, examples=20),
        Input("fatigue_node", "voice_features", "cockpit_ai/msg/VoiceFeatures", "RELIABLE",
              seen=("voice_features", "bad_voice_features"), rejected=("bad_voice_features",),
              valid=voice, invalid=[("duration_s", NAN), ("pitch_mean_hz", math.inf),
                                    ("speech_rate_wps", -1.0), ("pause_ratio", 1.5),
                                    ("loudness_dbfs", 1e15)], examples=30),
    ]


def transcript(i: int) -> Any:
    from cockpit_ai.msg import Transcript

    msg = Transcript(utterance_id=new_id(), text="What is the weather like?",
                     raw_text="what is the weather like", language="en", confidence=0.9,
                     is_final=True, wake_word_heard=True, audio_duration_s=1.5,
                     backend="whisper")
    msg.header.stamp = now_stamp()
    return msg


def fatigue_state(i: int) -> Any:
    from cockpit_ai.msg import FatigueState

    msg = FatigueState(level=FatigueState.LEVEL_ALERT, previous_level=FatigueState.LEVEL_ALERT)
    msg.header.stamp = now_stamp()
    return msg


def detections(i: int) -> Any:
    from cockpit_ai.msg import Detection, DetectionArray

    msg = DetectionArray(camera="road", image_width_px=640, image_height_px=480, model="fz")
    msg.header.stamp = now_stamp()
    d = Detection(class_name="car", class_id=2, score=0.9, track_id=1, center_x_px=10.0,
                  center_y_px=10.0, width_px=5.0, height_px=5.0)
    d.header = msg.header
    msg.detections = [d]
    return msg


def home_status(i: int) -> Any:
    from cockpit_ai.msg import HomeStatus

    msg = HomeStatus(request_id=new_id(), device="heating", action="on",
                     state=HomeStatus.SENT, text="Heating on.", attempts=1, eta_s=NAN)
    msg.header.stamp = now_stamp()
    return msg


def trip_event(i: int) -> Any:
    from cockpit_ai.msg import TripEvent

    msg = TripEvent(event=TripEvent.ENDED, trip_id=new_id(), start_lat=HELSINKI[0],
                    start_lon=HELSINKI[1], end_lat=HELSINKI[0], end_lon=HELSINKI[1],
                    distance_m=0.0, predicted_lat=NAN, predicted_lon=NAN, probability=NAN,
                    usual_duration_s=NAN, route_duration_s=NAN)
    msg.header.stamp = now_stamp()
    return msg


def shared_text(i: int) -> Any:
    from cockpit_ai.msg import SharedText

    msg = SharedText(source="phone", title="Note",
                     text="Pick up the parcel at the post office before six.")
    msg.header.stamp = now_stamp()
    return msg


def planner_inputs() -> list[Input]:
    few = 12
    return [
        Input("planner_node", "transcript", "cockpit_ai/msg/Transcript", "RELIABLE",
              seen=("transcripts", "transcripts_ignored", "ignored_no_wake_word"),
              rejected=(), valid=transcript, examples=few),
        Input("planner_node", "fatigue_state", "cockpit_ai/msg/FatigueState", "RELIABLE",
              seen=("fatigue_states", "rejected_fatigue_states"),
              rejected=("rejected_fatigue_states",), valid=fatigue_state,
              invalid=[("level", 5), ("level", 255)], examples=few),
        Input("planner_node", "road/detections", "cockpit_ai/msg/DetectionArray", "RELIABLE",
              seen=("road_frames", "rejected_road_frames"),
              rejected=("rejected_road_frames",), valid=detections, examples=few),
        Input("planner_node", "cabin/detections", "cockpit_ai/msg/DetectionArray",
              "RELIABLE", seen=("cabin_frames", "rejected_cabin_frames"),
              rejected=("rejected_cabin_frames",), valid=detections, examples=few),
        Input("planner_node", "odom", "nav_msgs/msg/Odometry", "SENSOR",
              seen=("odometry", "bad_odom"), rejected=("bad_odom",), valid=odom,
              invalid=BAD_SPEEDS, examples=few),
        Input("planner_node", "fix", "sensor_msgs/msg/NavSatFix", "SENSOR",
              seen=("fixes", "rejected_fixes"), rejected=("rejected_fixes",), valid=fix,
              invalid=BAD_POSITIONS, examples=few),
        Input("planner_node", "home_status", "cockpit_ai/msg/HomeStatus", "RELIABLE",
              seen=("home_statuses", "rejected_home_statuses"),
              rejected=("rejected_home_statuses",), valid=home_status,
              invalid=[("state", 6), ("state", 255)], examples=few),
        Input("planner_node", "trips/event", "cockpit_ai/msg/TripEvent", "RELIABLE",
              seen=("trip_events", "rejected_trip_events"),
              rejected=("rejected_trip_events",), valid=trip_event,
              invalid=[("event", 3), ("event", 255)], examples=few),
        Input("planner_node", "landmarks/nearby", "cockpit_ai/msg/LandmarkArray", "RELIABLE",
              seen=("nearby_updates",), rejected=(), valid=landmarks, examples=few),
        Input("planner_node", "speech_active", "std_msgs/msg/Bool", "RELIABLE",
              seen=("speaking_updates",), rejected=(), valid=false, examples=few),
        Input("planner_node", "tts/active", "std_msgs/msg/Bool", "LATCHED",
              seen=("talking_updates",), rejected=(), valid=false, examples=few,
              one_at_a_time=True),
        Input("planner_node", "shared_text", "cockpit_ai/msg/SharedText", "RELIABLE",
              seen=("shared_texts", "shared_texts_refused"),
              rejected=("shared_texts_refused",), valid=shared_text,
              invalid=[("text", ""), ("text", " \n\t "), ("text", "\x00\x01\x02")],
              examples=20),
    ]


def string(i: int) -> Any:
    from std_msgs.msg import String

    return String(data=f"fz-{i}")


def relay_inputs() -> list[Input]:
    return [Input("relay_node", "input", "std_msgs/msg/String", "SENSOR",
                  seen=("relayed",), rejected=(), valid=string, examples=25,
                  raw_subscriber=True)]


def recorder_inputs() -> list[Input]:
    return [Input("bag_recorder_node", "recorded", "std_msgs/msg/String",
                  "RELIABLE", seen=("messages",), rejected=(), valid=string, examples=25,
                  raw_subscriber=True)]


def all_inputs() -> list[Input]:
    return (trips_inputs() + home_inputs() + landmark_inputs() + tts_inputs()
            + speech_inputs() + vision_inputs() + image_relay_inputs() + fatigue_inputs()
            + planner_inputs()
            + relay_inputs() + recorder_inputs())


UNCOUNTED = sorted(i.key for i in all_inputs() if not i.seen)
