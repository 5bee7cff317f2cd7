# Regenerates docs/images from docs/images/MANIFEST (see there), and the
# screenshot of the step-through page when Chromium is installed.
#   cmake -DNSSIM=path/to/nssim -DSRC=source-dir -DWORK=scratch-dir -P docs/images/generate.cmake
# Run through `make docs-images` (the docs_images target).
foreach(v NSSIM SRC WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "generate.cmake: -D${v}=... is required")
  endif()
endforeach()
set(out "${SRC}/docs/images")
file(STRINGS "${out}/MANIFEST" lines)
foreach(line IN LISTS lines)
  if(line MATCHES "^[ \t]*#" OR line MATCHES "^[ \t]*$")
    continue()
  endif()
  string(REGEX REPLACE "[ \t]+" ";" f "${line}")
  list(GET f 0 name)
  list(GET f 1 scenario)
  list(GET f 2 step)
  if(step STREQUAL "snapshot")  # a saved snapshot: nssim graph --snapshot FILE
    set(what --snapshot "${scenario}")
  else()
    set(what "${scenario}" --step ${step})
  endif()
  foreach(fmt dot svg)
    execute_process(COMMAND "${NSSIM}" graph ${what} -o "${out}/${name}.${fmt}"
                    WORKING_DIRECTORY "${SRC}" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "nssim graph ${scenario} --step ${step} failed (${rc})")
    endif()
  endforeach()
  message(STATUS "docs/images/${name}.{dot,svg}: ${scenario} step ${step}")
endforeach()

# The step-through page at step 6, as a browser shows it.
find_program(CHROMIUM NAMES chromium chromium-browser google-chrome google-chrome-stable)
if(NOT CHROMIUM)
  message(STATUS "no Chromium: docs/images/html-step6.png not refreshed")
  return()
endif()
file(MAKE_DIRECTORY "${WORK}/profile")
set(page "${WORK}/02-fd-keeps-namespace-alive.html")
execute_process(COMMAND "${NSSIM}" trace examples/02-fd-keeps-namespace-alive.nss --html "${page}"
                WORKING_DIRECTORY "${SRC}" OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nssim trace --html failed (${rc})")
endif()
execute_process(COMMAND "${CHROMIUM}" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage
                        --disable-background-networking --disable-component-update --disable-sync --no-first-run
                        --no-default-browser-check --hide-scrollbars "--user-data-dir=${WORK}/profile"
                        --window-size=1400,960 "--screenshot=${out}/html-step6.png" "file://${page}#step=6"
                OUTPUT_QUIET ERROR_QUIET RESULT_VARIABLE rc TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "chromium --screenshot failed (${rc})")
endif()
message(STATUS "docs/images/html-step6.png: the page of examples/02-fd-keeps-namespace-alive.nss at step 6")
