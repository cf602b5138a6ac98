"""Runs ROS 2 XML launch files where ``ros2 launch`` is absent (ROS 2 from pip wheels).

Only standard tags and attributes are accepted, so the same files run unchanged under
``ros2 launch`` on a full ROS 2 install; anything else is an error naming file and line.
"""
