;; Guest importing WASI preview 2 (environment and arguments): reports how many it was given.
(component
  (import "wasi:cli/environment@0.2.0" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))
    (export "get-arguments" (func (result (list string))))
  ))
  (core module $libc
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $ptr i32)
      (local.set $ptr (global.get $bump))
      (global.set $bump (i32.add (global.get $bump) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))
      (local.get $ptr))
  )
  (core instance $libc (instantiate $libc))
  (core func $get-env (canon lower (func $env "get-environment") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get-args (canon lower (func $env "get-arguments") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core module $main
    (import "libc" "mem" (memory 1))
    (import "host" "get-env" (func $get-env (param i32)))
    (import "host" "get-args" (func $get-args (param i32)))
    (func (export "count") (result i32)
      (call $get-env (i32.const 16))
      (call $get-args (i32.const 32))
      (i32.add (i32.load (i32.const 20)) (i32.load (i32.const 36))))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "host" (instance (export "get-env" (func $get-env)) (export "get-args" (func $get-args))))))
  (func $count (result u32) (canon lift (core func $main "count")))
  (export "count" (func $count))
)
