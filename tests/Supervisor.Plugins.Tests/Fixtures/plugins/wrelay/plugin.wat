;; Plugin fixture `wrelay`: calls another plugin, so the callee's view of the call stack can be checked.
;;
;; Exports wrelay:plugin/api:
;;   relay-whoami: func() -> string   -> wclient's whoami(), as wclient answers it when wrelay calls it
;; Imports wclient:plugin/api (whoami: func() -> string). Memory: 16 return area, bump allocator above
;; 1024 reset by post-return.
(component
  (import "wclient:plugin/api" (instance $wclient
    (export "whoami" (func (result string)))
  ))

  (core module $libc
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
      (local $ptr i32) (local $end i32)
      (local.set $ptr (i32.and
        (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $ptr) (local.get $size)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1))) (i32.const -1)) (then unreachable))))
      (global.set $bump (local.get $end))
      (local.get $ptr))
    (func (export "reset1") (param i32) (global.set $bump (i32.const 1024)))
  )
  (core instance $libc (instantiate $libc))

  (core func $whoami (canon lower (func $wclient "whoami") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))

  (core module $main
    (import "wclient" "whoami" (func $whoami (param i32)))
    ;; The callee writes (ptr, len) at 16; that pair is this function's result too.
    (func (export "relay-whoami") (result i32)
      (call $whoami (i32.const 16))
      (i32.const 16))
  )
  (core instance $main (instantiate $main
    (with "wclient" (instance (export "whoami" (func $whoami))))))

  (func $relay-whoami (result string)
    (canon lift (core func $main "relay-whoami")
      (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset1"))))
  (instance $api (export "relay-whoami" (func $relay-whoami)))
  (export "wrelay:plugin/api" (instance $api))
)
