"""Record and replay rosbag2 files (MCAP by default, sqlite3 readable) with ``rosbags``."""
