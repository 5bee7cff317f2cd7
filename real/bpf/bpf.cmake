# The BPF kernel introspection (real/kernel_introspect.cc): builds
# nsintrospect.bpf.c with clang, generates vmlinux.h from the build machine's
# kernel BTF and the skeleton with bpftool, all at build time. Included from
# real/CMakeLists.txt; sets
#   NSSIM_BPF_OK      TRUE when everything was found
#   NSSIM_BPF_REASON  otherwise, why not (bpf_unavailable_reason() says it at run time)
# and defines the target nssim_bpf_skel (the generated skeleton header).
#
# Needs: clang (-target bpf), bpftool, libbpf (pkg-config), /sys/kernel/btf/vmlinux.
# Debian: apt-get install clang llvm bpftool libbpf-dev (scripts/install-deps.sh).

option(NSSIM_WITH_BPF "Build the BPF kernel introspection (needs clang, bpftool, libbpf-dev and kernel BTF)" ON)
set(NSSIM_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH "Kernel BTF that vmlinux.h is generated from")

set(NSSIM_BPF_OK FALSE)
set(NSSIM_BPF_REASON "")
if(NOT NSSIM_WITH_BPF)
  set(NSSIM_BPF_REASON "nssim was configured with -DNSSIM_WITH_BPF=OFF")
else()
  find_program(NSSIM_BPF_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
  find_program(NSSIM_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin /usr/local/sbin)
  pkg_check_modules(LIBBPF IMPORTED_TARGET GLOBAL libbpf>=0.8)
  if(NSSIM_BPFTOOL)
    # Ubuntu's /usr/sbin/bpftool is a wrapper that fails without linux-tools for the running kernel.
    execute_process(COMMAND ${NSSIM_BPFTOOL} version RESULT_VARIABLE _bpftool_rc OUTPUT_QUIET ERROR_QUIET)
  endif()
  if(NOT NSSIM_BPF_CLANG)
    set(NSSIM_BPF_REASON "clang was not found at build time (apt-get install clang)")
  elseif(NOT NSSIM_BPFTOOL OR NOT _bpftool_rc EQUAL 0)
    set(NSSIM_BPF_REASON "a working bpftool was not found at build time (apt-get install bpftool)")
  elseif(NOT LIBBPF_FOUND)
    set(NSSIM_BPF_REASON "libbpf was not found at build time (apt-get install libbpf-dev)")
  elseif(NOT EXISTS "${NSSIM_VMLINUX_BTF}")
    set(NSSIM_BPF_REASON "the build machine's kernel has no BTF (${NSSIM_VMLINUX_BTF}; CONFIG_DEBUG_INFO_BTF)")
  else()
    set(NSSIM_BPF_OK TRUE)
  endif()
endif()

if(NSSIM_BPF_OK)
  message(STATUS "nssim: BPF introspection on (${NSSIM_BPF_CLANG}, ${NSSIM_BPFTOOL}, libbpf ${LIBBPF_VERSION})")
  set(_src ${CMAKE_CURRENT_SOURCE_DIR}/bpf)
  set(_out ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  file(MAKE_DIRECTORY ${_out})
  # vmlinux.h: every kernel type, from BTF (never committed; CO-RE relocates at load time).
  add_custom_command(
    OUTPUT ${_out}/vmlinux.h
    COMMAND sh -c "\"$0\" btf dump file \"$1\" format c > \"$2.tmp\" && mv \"$2.tmp\" \"$2\""
            ${NSSIM_BPFTOOL} ${NSSIM_VMLINUX_BTF} ${_out}/vmlinux.h
    DEPENDS ${NSSIM_VMLINUX_BTF}
    COMMENT "bpftool: vmlinux.h from ${NSSIM_VMLINUX_BTF}"
    VERBATIM)
  # The BPF object: clang -target bpf -g (BTF for CO-RE) -O2; bpftool gen object drops the DWARF.
  set(_incs "")
  foreach(d ${LIBBPF_INCLUDE_DIRS})
    list(APPEND _incs "-I${d}")
  endforeach()
  add_custom_command(
    OUTPUT ${_out}/nsintrospect.bpf.o
    COMMAND ${NSSIM_BPF_CLANG} -g -O2 -target bpf -Wall -Werror -I${_out} -I${_src} ${_incs}
            -c ${_src}/nsintrospect.bpf.c -o ${_out}/nsintrospect.tmp.o
    COMMAND ${NSSIM_BPFTOOL} gen object ${_out}/nsintrospect.bpf.o ${_out}/nsintrospect.tmp.o
    DEPENDS ${_src}/nsintrospect.bpf.c ${_src}/nsintrospect.h ${_out}/vmlinux.h
    COMMENT "clang -target bpf: nsintrospect.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${_out}/nsintrospect.skel.h
    COMMAND sh -c "\"$0\" gen skeleton \"$1\" name nsintrospect > \"$2.tmp\" && mv \"$2.tmp\" \"$2\""
            ${NSSIM_BPFTOOL} ${_out}/nsintrospect.bpf.o ${_out}/nsintrospect.skel.h
    DEPENDS ${_out}/nsintrospect.bpf.o
    COMMENT "bpftool: nsintrospect.skel.h"
    VERBATIM)
  # The kernel types the object uses, cut from the build machine's BTF, for a
  # faster load on that kernel (embed_min_btf.cmake says when it is used). A
  # bpftool without `gen min_core_btf` leaves it empty: the whole BTF is used.
  add_custom_command(
    OUTPUT ${_out}/nsintrospect.min.btf
    COMMAND sh -c "\"$0\" gen min_core_btf \"$1\" \"$2\" \"$3\" 2>/dev/null || : > \"$2\""
            ${NSSIM_BPFTOOL} ${NSSIM_VMLINUX_BTF} ${_out}/nsintrospect.min.btf ${_out}/nsintrospect.bpf.o
    DEPENDS ${_out}/nsintrospect.bpf.o ${NSSIM_VMLINUX_BTF}
    COMMENT "bpftool: nsintrospect.min.btf"
    VERBATIM)
  add_custom_command(
    OUTPUT ${_out}/nsintrospect.min_btf.h
    COMMAND ${CMAKE_COMMAND} -DMIN=${_out}/nsintrospect.min.btf -DBTF=${NSSIM_VMLINUX_BTF}
            -DOUT=${_out}/nsintrospect.min_btf.h -P ${_src}/embed_min_btf.cmake
    DEPENDS ${_out}/nsintrospect.min.btf ${_src}/embed_min_btf.cmake
    COMMENT "nsintrospect.min_btf.h"
    VERBATIM)
  add_custom_target(nssim_bpf_skel DEPENDS ${_out}/nsintrospect.skel.h ${_out}/nsintrospect.min_btf.h)
  set(NSSIM_BPF_INCLUDE_DIR ${_out})
else()
  message(STATUS "nssim: BPF introspection off: ${NSSIM_BPF_REASON}")
endif()
