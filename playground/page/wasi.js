// Loads the nssim module (nssim-wasm.js holds it as base64, so that the page
// also works from file://, where browsers refuse fetch()) with a small WASI
// shim: the model needs only memory, stdout/stderr writes, a clock and random
// bytes. Also the unwinding the parser needs (sim/unwind.h): `unwind` throws a
// JavaScript exception through the wasm frames; `try_call` catches it and puts
// the module's stack pointer back.
"use strict";
(function (global) {
  const UNWIND = { nssim: "parse error unwind" };
  function decodeBase64(b64) {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  async function loadNssim() {
    let inst = null;
    const view = () => new DataView(inst.exports.memory.buffer);
    const bytes = (p, n) => new Uint8Array(inst.exports.memory.buffer, p, n);
    const console_out = { 1: "", 2: "" };
    const ENOSYS = 52, EBADF = 8;
    const wasi = {
      fd_write(fd, iovs, n, nwritten) {
        let total = 0;
        for (let i = 0; i < n; i++) {
          const p = view().getUint32(iovs + 8 * i, true), l = view().getUint32(iovs + 8 * i + 4, true);
          if (fd === 1 || fd === 2) console_out[fd] += new TextDecoder().decode(bytes(p, l));
          total += l;
        }
        view().setUint32(nwritten, total, true);
        return 0;
      },
      fd_close: () => 0,
      fd_seek: () => ENOSYS,
      fd_read: () => EBADF,
      fd_fdstat_get: () => 0,
      fd_prestat_get: () => EBADF,
      fd_prestat_dir_name: () => EBADF,
      path_open: () => ENOSYS,
      environ_sizes_get(c, s) { view().setUint32(c, 0, true); view().setUint32(s, 0, true); return 0; },
      environ_get: () => 0,
      args_sizes_get(c, s) { view().setUint32(c, 0, true); view().setUint32(s, 0, true); return 0; },
      args_get: () => 0,
      clock_time_get(id, precision, out) {
        view().setBigUint64(out, BigInt(Math.round(performance.now() * 1e6)), true);
        return 0;
      },
      clock_res_get(id, out) { view().setBigUint64(out, 1000n, true); return 0; },
      random_get(p, n) { crypto.getRandomValues(bytes(p, n)); return 0; },
      sched_yield: () => 0,
      proc_exit(code) { throw new Error("nssim: exit " + code); },
    };
    const wasiImports = new Proxy(wasi, {
      get: (t, k) => t[k] || (() => ENOSYS),
    });
    const nssim = {
      unwind() { throw UNWIND; },
      try_call(fn, ctx) {
        const sp = inst.exports.__stack_pointer.value;
        try {
          inst.exports.__indirect_function_table.get(fn)(ctx);
          return 0;
        } catch (e) {
          if (e !== UNWIND) throw e;
          inst.exports.__stack_pointer.value = sp;
          return 1;
        }
      },
    };
    const { instance } = await WebAssembly.instantiate(decodeBase64(global.NSSIM_WASM_B64),
      { wasi_snapshot_preview1: wasiImports, nssim });
    inst = instance;
    inst.exports._initialize();
    const enc = new TextEncoder(), dec = new TextDecoder();
    const put = (text) => {
      const b = enc.encode(text);
      const p = inst.exports.nssim_buf(b.length);
      bytes(p, b.length).set(b);
    };
    const get = (p) => dec.decode(bytes(p, inst.exports.nssim_out_len()).slice());
    return {
      // file: the name diagnostics and pictures show; src: the scenario.
      load(file, src) { put(file + "\n" + src); return JSON.parse(get(inst.exports.nssim_load())); },
      step(n) { return JSON.parse(get(inst.exports.nssim_step(n))); },
      // key: the teacher's solution.nss text ("" or absent: grade the file on its own).
      labCheck(file, src, keyFile, key) {
        put(JSON.stringify({file: file, src: src, key_file: key ? keyFile : "", key: key || ""}));
        return get(inst.exports.nssim_lab_check());
      },
      output: console_out,
    };
  }
  global.loadNssim = loadNssim;
})(window);
