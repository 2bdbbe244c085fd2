;; Plugin fixture `wtable` (service wtable, plugin `plugin`): walpha's exports and behaviour (see walpha/plugin.wat)
;; in the layout wit-component gives every plugin it builds (componentize-js, wit-bindgen): the main module calls
;; its imports through functions of a shim module that `call_indirect` into the shim's table "$imports", and a
;; fixup module, instantiated after the imports are lowered, fills that table. The byte adapter splices itself
;; into exactly this layout (PDP-ADAPT-6); walpha, which lowers its imports straight into its main module, is
;; nested instead.
(component
  (import "clientdata:plugin/keyvalue" (instance $kv
    (export "get" (func (param "key" string) (result (option (list u8)))))
    (export "set" (func (param "key" string) (param "value" (list u8))))
    (export "delete" (func (param "key" string)))
  ))

  (core module $libc
    (memory (export "mem") 1)
    (global $bump (export "bump") (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
      (local $ptr i32) (local $end i32) (local $pages i32)
      (local.set $ptr (i32.and
        (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $ptr) (local.get $size)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then
          (local.set $pages (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
          (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1)) (then unreachable))))
      (if (local.get $old)
        (then (memory.copy (local.get $ptr) (local.get $old)
          (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
      (global.set $bump (local.get $end))
      (local.get $ptr))
    (func (export "reset0") (global.set $bump (i32.const 1024)))
    (func (export "reset1") (param i32) (global.set $bump (i32.const 1024)))
  )
  (core instance $libc (instantiate $libc))

  (core module $shim
    (type $get (func (param i32 i32 i32)))
    (type $set (func (param i32 i32 i32 i32)))
    (type $delete (func (param i32 i32)))
    (table (export "$imports") 3 3 funcref)
    (func (export "0") (type $get)
      (call_indirect (type $get) (local.get 0) (local.get 1) (local.get 2) (i32.const 0)))
    (func (export "1") (type $set)
      (call_indirect (type $set) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 1)))
    (func (export "2") (type $delete)
      (call_indirect (type $delete) (local.get 0) (local.get 1) (i32.const 2))))
  (core instance $shim (instantiate $shim))

  (core module $main
    (import "libc" "mem" (memory 1))
    (import "libc" "bump" (global $bump (mut i32)))
    (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "kv" "get" (func $kv-get (param i32 i32 i32)))
    (import "kv" "set" (func $kv-set (param i32 i32 i32 i32)))
    (import "kv" "delete" (func $kv-delete (param i32 i32)))
    (data (i32.const 128) "failed on purpose")

    (func (export "set") (param i32 i32 i32 i32)
      (call $kv-set (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (export "get") (param i32 i32) (result i32)
      (call $kv-get (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16))
    (func (export "delete") (param i32 i32)
      (call $kv-delete (local.get 0) (local.get 1)))
    (func (export "set-then-fail") (param i32 i32 i32 i32) (result i32)
      (call $kv-set (local.get 0) (local.get 1) (local.get 2) (local.get 3))
      (i32.store8 (i32.const 16) (i32.const 1))   ;; err
      (i32.store (i32.const 20) (i32.const 128))
      (i32.store (i32.const 24) (i32.const 17))
      (i32.const 16))
    (func (export "set-then-trap") (param i32 i32 i32 i32)
      (call $kv-set (local.get 0) (local.get 1) (local.get 2) (local.get 3))
      unreachable)
    (func (export "ping") (result i32)
      (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
      (i32.load (i32.const 8)))
    (func (export "spin")
      (loop $l (br $l)))
    (func (export "grow") (param $pages i32) (result i32)
      (if (i32.eqz (local.get $pages)) (then (return (memory.size))))
      (loop $l (br_if $l (i32.ne (memory.grow (local.get $pages)) (i32.const -1))))
      unreachable)

    ;; Writes "k<i>" (decimal) at 96; returns its length.
    (func $key (param $i i32) (result i32)
      (local $len i32) (local $n i32) (local $p i32)
      (i32.store8 (i32.const 96) (i32.const 0x6b))
      (local.set $len (i32.const 1))
      (local.set $n (local.get $i))
      (loop $count
        (local.set $len (i32.add (local.get $len) (i32.const 1)))
        (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
        (br_if $count (local.get $n)))
      (local.set $p (i32.add (i32.const 96) (local.get $len)))
      (local.set $n (local.get $i))
      (loop $write
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (i32.store8 (local.get $p) (i32.add (i32.const 0x30) (i32.rem_u (local.get $n) (i32.const 10))))
        (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
        (br_if $write (local.get $n)))
      (local.get $len))

    (func (export "bench-set") (param $count i32) (param $size i32) (result i32)
      (local $value i32) (local $i i32)
      (local.set $value (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $size)))
      (memory.fill (local.get $value) (i32.const 0x76) (local.get $size))
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
          (call $kv-set (i32.const 96) (call $key (local.get $i)) (local.get $value) (local.get $size))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (local.get $count))

    (func (export "bench-get") (param $count i32) (result i32)
      (local $i i32) (local $sum i32) (local $mark i32)
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
          (local.set $mark (global.get $bump))
          (call $kv-get (i32.const 96) (call $key (local.get $i)) (i32.const 32))
          (if (i32.load8_u (i32.const 32))
            (then (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 40))))))
          (global.set $bump (local.get $mark))   ;; free the value the host wrote
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (local.get $sum))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "kv" (instance
      (export "get" (func $shim "0"))
      (export "set" (func $shim "1"))
      (export "delete" (func $shim "2"))))))

  (core func $kv-get (canon lower (func $kv "get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $kv-set (canon lower (func $kv "set") (memory (core memory $libc "mem"))))
  (core func $kv-delete (canon lower (func $kv "delete") (memory (core memory $libc "mem"))))
  (core module $fixup
    (import "shim" "$imports" (table 3 3 funcref))
    (import "actual" "0" (func (param i32 i32 i32)))
    (import "actual" "1" (func (param i32 i32 i32 i32)))
    (import "actual" "2" (func (param i32 i32)))
    (elem (i32.const 0) func 0 1 2))
  (core instance (instantiate $fixup
    (with "shim" (instance $shim))
    (with "actual" (instance
      (export "0" (func $kv-get))
      (export "1" (func $kv-set))
      (export "2" (func $kv-delete))))))

  (func $set (param "key" string) (param "value" (list u8))
    (canon lift (core func $main "set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset0"))))
  (func $get (param "key" string) (result (option (list u8)))
    (canon lift (core func $main "get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset1"))))
  (func $delete (param "key" string)
    (canon lift (core func $main "delete") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset0"))))
  (func $set-then-fail (param "key" string) (param "value" (list u8)) (result (result (error string)))
    (canon lift (core func $main "set-then-fail") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset1"))))
  (func $set-then-trap (param "key" string) (param "value" (list u8))
    (canon lift (core func $main "set-then-trap") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset0"))))
  (func $ping (result u32) (canon lift (core func $main "ping")))
  (func $spin (canon lift (core func $main "spin")))
  (func $grow (param "pages" u32) (result s32) (canon lift (core func $main "grow")))
  (func $bench-set (param "count" u32) (param "size" u32) (result u32)
    (canon lift (core func $main "bench-set") (post-return (core func $libc "reset1"))))
  (func $bench-get (param "count" u32) (result u32)
    (canon lift (core func $main "bench-get") (post-return (core func $libc "reset1"))))

  (instance $api
    (export "set" (func $set))
    (export "get" (func $get))
    (export "delete" (func $delete))
    (export "set-then-fail" (func $set-then-fail))
    (export "set-then-trap" (func $set-then-trap))
    (export "ping" (func $ping))
    (export "spin" (func $spin))
    (export "grow" (func $grow))
    (export "bench-set" (func $bench-set))
    (export "bench-get" (func $bench-get)))
  (export "wtable:plugin/api" (instance $api))
)
