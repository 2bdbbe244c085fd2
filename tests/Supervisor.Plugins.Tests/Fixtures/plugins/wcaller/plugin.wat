;; Plugin fixture `wcaller`: a plugin that calls another plugin (wbeta) as well as the host's clientdata and
;; host:client, for the supervisor's plugin-to-plugin linking (the host links wbeta:plugin/api through itself,
;; so during set-via-beta wbeta's sender is wcaller and the write lands in wbeta's clientdata table).
;;
;; Exports wcaller:plugin/api:
;;   set-via-beta: func(key: string, value: list<u8>)         -> wbeta:plugin/api set
;;   get-via-beta: func(key: string) -> option<list<u8>>      -> wbeta:plugin/api get
;;   ping-beta: func() -> u32                                 -> wbeta:plugin/api ping
;;   set-own: func(key: string, value: list<u8>)              -> clientdata set (wcaller's own table)
;;   get-own: func(key: string) -> option<list<u8>>           -> clientdata get
;;   whoami-via-client: func() -> string                      -> "<sender>|<receiver>|<active-app>" from host:client
;; Imports clientdata:plugin/keyvalue, host:client/api, and wbeta:plugin/api (a subset: set, get, ping,
;; with exactly wbeta's types).
(component
  (import "clientdata:plugin/keyvalue" (instance $kv
    (export "get" (func (param "key" string) (result (option (list u8)))))
    (export "set" (func (param "key" string) (param "value" (list u8))))
    (export "delete" (func (param "key" string)))
  ))
  (import "host:client/api" (instance $client
    (export "get-sender" (func (result string)))
    (export "get-receiver" (func (result string)))
    (export "get-app-url" (func (param "app" string) (result string)))
    (export "get-active-app" (func (result string)))
  ))
  (import "wbeta:plugin/api" (instance $beta
    (export "set" (func (param "key" string) (param "value" (list u8))))
    (export "get" (func (param "key" string) (result (option (list u8)))))
    (export "ping" (func (result u32)))
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
  (core func $get-sender (canon lower (func $client "get-sender") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get-receiver (canon lower (func $client "get-receiver") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get-app-url (canon lower (func $client "get-app-url") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get-active-app (canon lower (func $client "get-active-app") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $beta-set (canon lower (func $beta "set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $beta-get (canon lower (func $beta "get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $beta-ping (canon lower (func $beta "ping")))

  (core module $main
    (import "libc" "mem" (memory 1))
    (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "kv" "get" (func $kv-get (param i32 i32 i32)))
    (import "kv" "set" (func $kv-set (param i32 i32 i32 i32)))
    (import "client" "get-sender" (func $get-sender (param i32)))
    (import "client" "get-receiver" (func $get-receiver (param i32)))
    (import "client" "get-app-url" (func $get-app-url (param i32 i32 i32)))
    (import "client" "get-active-app" (func $get-active-app (param i32)))
    (import "beta" "set" (func $beta-set (param i32 i32 i32 i32)))
    (import "beta" "get" (func $beta-get (param i32 i32 i32)))
    (import "beta" "ping" (func $beta-ping (result i32)))

    ;; Builds "sender|receiver|active-app" in a fresh buffer; returns the (ptr, len) pair at 16.
    (func $whoami (result i32)
      (local $p i32) (local $len i32) (local $at i32)
      (call $get-sender (i32.const 32))
      (call $get-receiver (i32.const 40))
      (call $get-active-app (i32.const 48))
      (local.set $len (i32.add (i32.add (i32.load (i32.const 36)) (i32.load (i32.const 44)))
                               (i32.add (i32.load (i32.const 52)) (i32.const 2))))
      (local.set $p (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $len)))
      (local.set $at (local.get $p))
      (memory.copy (local.get $at) (i32.load (i32.const 32)) (i32.load (i32.const 36)))
      (local.set $at (i32.add (local.get $at) (i32.load (i32.const 36))))
      (i32.store8 (local.get $at) (i32.const 0x7c))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (memory.copy (local.get $at) (i32.load (i32.const 40)) (i32.load (i32.const 44)))
      (local.set $at (i32.add (local.get $at) (i32.load (i32.const 44))))
      (i32.store8 (local.get $at) (i32.const 0x7c))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (memory.copy (local.get $at) (i32.load (i32.const 48)) (i32.load (i32.const 52)))
      (i32.store (i32.const 16) (local.get $p))
      (i32.store (i32.const 20) (local.get $len))
      (i32.const 16))
    (func (export "set-via-beta") (param i32 i32 i32 i32)
      (call $beta-set (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (export "get-via-beta") (param i32 i32) (result i32)
      (call $beta-get (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16))
    (func (export "ping-beta") (result i32) (call $beta-ping))
    (func (export "set-own") (param i32 i32 i32 i32)
      (call $kv-set (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (export "get-own") (param i32 i32) (result i32)
      (call $kv-get (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16))
    (func (export "whoami-via-client") (result i32) (call $whoami))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "kv" (instance (export "get" (func $kv-get)) (export "set" (func $kv-set))))
    (with "beta" (instance (export "set" (func $beta-set)) (export "get" (func $beta-get)) (export "ping" (func $beta-ping))))
    (with "client" (instance
      (export "get-sender" (func $get-sender))
      (export "get-receiver" (func $get-receiver))
      (export "get-app-url" (func $get-app-url))
      (export "get-active-app" (func $get-active-app))))))

  (func $set-via-beta (param "key" string) (param "value" (list u8))
    (canon lift (core func $main "set-via-beta") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset0"))))
  (func $get-via-beta (param "key" string) (result (option (list u8)))
    (canon lift (core func $main "get-via-beta") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))
  (func $ping-beta (result u32) (canon lift (core func $main "ping-beta")))
  (func $set-own (param "key" string) (param "value" (list u8))
    (canon lift (core func $main "set-own") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset0"))))
  (func $get-own (param "key" string) (result (option (list u8)))
    (canon lift (core func $main "get-own") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))
  (func $whoami-via-client (result string)
    (canon lift (core func $main "whoami-via-client") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))

  (instance $api
    (export "set-via-beta" (func $set-via-beta))
    (export "get-via-beta" (func $get-via-beta))
    (export "ping-beta" (func $ping-beta))
    (export "set-own" (func $set-own))
    (export "get-own" (func $get-own))
    (export "whoami-via-client" (func $whoami-via-client)))
  (export "wcaller:plugin/api" (instance $api))
)
