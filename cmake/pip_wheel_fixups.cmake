# ROS 2 from PyPI wheels: the exported CMake targets of message packages name include paths
# of the wheel builder (/opt/python/cp311-cp311/...). CMake refuses non-existent include
# directories, so at the end of this directory every imported *__rosidl_generator_py target
# gets this machine's Python and NumPy include dirs instead. Installed files stay untouched.
# On a regular ROS 2 install the paths exist and nothing is changed.
find_package(Python3 REQUIRED COMPONENTS Interpreter Development.Module NumPy)

function(cockpit_fix_wheel_include_dirs)
  get_property(_targets DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} PROPERTY IMPORTED_TARGETS)
  foreach(_t ${_targets})
    if(_t MATCHES "__rosidl_generator_py$")
      get_target_property(_dirs ${_t} INTERFACE_INCLUDE_DIRECTORIES)
      if(_dirs AND "${_dirs}" MATCHES "/opt/python/cp3")
        set_target_properties(${_t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES
          "${Python3_INCLUDE_DIRS};${Python3_NumPy_INCLUDE_DIRS}")
      endif()
    endif()
  endforeach()
endfunction()

cmake_language(DEFER DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} CALL cockpit_fix_wheel_include_dirs)
