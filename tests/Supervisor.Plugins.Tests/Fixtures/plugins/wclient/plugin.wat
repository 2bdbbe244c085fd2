;; Plugin fixture `wclient`: reads the call facts from the host's host:client/api.
;;
;; Exports wclient:plugin/api:
;;   whoami: func() -> string            -> "<get-sender>|<get-receiver>|<get-active-app>", joined in guest memory
;;   app-url: func(app: string) -> string -> get-app-url(app), passed through
;; Imports host:client/api (all four functions, psibase's exact types). Memory: 16 return area, 32..55
;; import return areas, bump allocator above 1024 reset by post-return.
(component
  (import "host:client/api" (instance $client
    (export "get-sender" (func (result string)))
    (export "get-receiver" (func (result string)))
    (export "get-app-url" (func (param "app" string) (result string)))
    (export "get-active-app" (func (result string)))
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

  (core func $get-sender (canon lower (func $client "get-sender") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get-receiver (canon lower (func $client "get-receiver") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get-app-url (canon lower (func $client "get-app-url") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get-active-app (canon lower (func $client "get-active-app") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))

  (core module $main
    (import "libc" "mem" (memory 1))
    (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "client" "get-sender" (func $get-sender (param i32)))
    (import "client" "get-receiver" (func $get-receiver (param i32)))
    (import "client" "get-app-url" (func $get-app-url (param i32 i32 i32)))
    (import "client" "get-active-app" (func $get-active-app (param i32)))

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
    (func (export "whoami") (result i32) (call $whoami))
    (func (export "app-url") (param i32 i32) (result i32)
      (call $get-app-url (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "client" (instance
      (export "get-sender" (func $get-sender))
      (export "get-receiver" (func $get-receiver))
      (export "get-app-url" (func $get-app-url))
      (export "get-active-app" (func $get-active-app))))))

  (func $whoami (result string)
    (canon lift (core func $main "whoami") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))
  (func $app-url (param "app" string) (result string)
    (canon lift (core func $main "app-url") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))

  (instance $api
    (export "whoami" (func $whoami))
    (export "app-url" (func $app-url)))
  (export "wclient:plugin/api" (instance $api))
)
