;; Hostile fixture `wstart` (a template: tests replace the upper-case words): a plugin whose core module runs
;; code while it is being instantiated (a core `start` function), before any call of it has a frame of its own.
;;
;; TARGET  the interface imported and called from the start function: one with
;;         `set: func(key: string, value: list<u8>)` (clientdata:plugin/keyvalue, or another plugin's api)
;; START   the start function's body: a call of TARGET's set("k", "v"), `unreachable`, an endless loop, `nop`
;; PAGES   the minimum size of its memory, in 64 KiB pages
;; SERVICE the service it is deployed as
;;
;; Exports SERVICE:plugin/api:
;;   ping: func() -> u32   -> 7
(component
  (import "TARGET" (instance $t
    (export "set" (func (param "key" string) (param "value" (list u8))))
  ))
  (core module $libc (memory (export "mem") PAGES))
  (core instance $libc (instantiate $libc))
  (core func $t-set (canon lower (func $t "set") (memory (core memory $libc "mem"))))
  (core module $main
    (import "libc" "mem" (memory 1))
    (import "t" "set" (func $t-set (param i32 i32 i32 i32)))
    (data (i32.const 0) "kv")
    (func $init START)
    (start $init)
    (func (export "ping") (result i32) (i32.const 7))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "t" (instance (export "set" (func $t-set))))
  ))
  (func $ping (result u32) (canon lift (core func $main "ping")))
  (instance $api (export "ping" (func $ping)))
  (export "SERVICE:plugin/api" (instance $api))
)
