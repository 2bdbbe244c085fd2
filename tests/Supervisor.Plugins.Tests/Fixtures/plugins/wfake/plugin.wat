;; Plugin fixture `wfake`: exports an interface named clientdata:plugin/keyvalue, pretending to be the host's
;; clientdata. The supervisor must never resolve another plugin's clientdata import to it (clientdata is
;; provided by the host), and its own import must still reach the real host clientdata.
;;
;; Exports clientdata:plugin/keyvalue (the fake, psibase's exact types):
;;   get: func(key: string) -> option<list<u8>>   -> always some("fake") (4 bytes)
;;   set: func(key: string, value: list<u8>)      -> does nothing
;;   delete: func(key: string)                    -> does nothing
;; Exports wfake:plugin/api:
;;   set: func(key: string, value: list<u8>)      -> the imported (real) clientdata set
;;   get: func(key: string) -> option<list<u8>>   -> the imported (real) clientdata get
;; Imports clientdata:plugin/keyvalue (get, set, delete).
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

  (core func $kv-get (canon lower (func $kv "get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $kv-set (canon lower (func $kv "set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))

  (core module $main
    (import "libc" "mem" (memory 1))
    (import "kv" "get" (func $kv-get (param i32 i32 i32)))
    (import "kv" "set" (func $kv-set (param i32 i32 i32 i32)))
    (data (i32.const 128) "fake")
    (func (export "fake-get") (param i32 i32) (result i32)
      (i32.store8 (i32.const 16) (i32.const 1))   ;; some
      (i32.store (i32.const 20) (i32.const 128))
      (i32.store (i32.const 24) (i32.const 4))
      (i32.const 16))
    (func (export "fake-set") (param i32 i32 i32 i32))
    (func (export "fake-delete") (param i32 i32))
    (func (export "set") (param i32 i32 i32 i32)
      (call $kv-set (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (export "get") (param i32 i32) (result i32)
      (call $kv-get (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "kv" (instance (export "get" (func $kv-get)) (export "set" (func $kv-set))))))

  (func $fake-get (param "key" string) (result (option (list u8)))
    (canon lift (core func $main "fake-get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))
  (func $fake-set (param "key" string) (param "value" (list u8))
    (canon lift (core func $main "fake-set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset0"))))
  (func $fake-delete (param "key" string)
    (canon lift (core func $main "fake-delete") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset0"))))
  (func $set (param "key" string) (param "value" (list u8))
    (canon lift (core func $main "set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset0"))))
  (func $get (param "key" string) (result (option (list u8)))
    (canon lift (core func $main "get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))

  (instance $fake
    (export "get" (func $fake-get))
    (export "set" (func $fake-set))
    (export "delete" (func $fake-delete)))
  (export "clientdata:plugin/keyvalue" (instance $fake))
  (instance $api
    (export "set" (func $set))
    (export "get" (func $get)))
  (export "wfake:plugin/api" (instance $api))
)
