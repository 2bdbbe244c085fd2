;; Guest for the list<u8>/string round trip: exports `run` with the same signature as the host import
;; `test:kv/store.echo`, forwarding its arguments and returning what the host returned.
;; A bump allocator serves realloc; post-return resets it, so memory stays bounded over many calls.
(component
  (import "test:kv/store" (instance $store
    (export "echo" (func (param "key" string) (param "value" (list u8)) (result (option (list u8)))))
  ))

  (core module $libc
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
      (local $ptr i32) (local $end i32) (local $pages i32)
      ;; align the bump pointer
      (local.set $ptr (i32.and
        (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $ptr) (local.get $size)))
      ;; grow when needed
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then
          (local.set $pages (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
          (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1)) (then unreachable))))
      (if (local.get $old)
        (then (memory.copy (local.get $ptr) (local.get $old)
          (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
      (global.set $bump (local.get $end))
      (local.get $ptr))
    (func (export "reset") (param i32)
      (global.set $bump (i32.const 1024)))
  )
  (core instance $libc (instantiate $libc))

  (core func $echo (canon lower (func $store "echo")
    (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))

  (core module $main
    (import "host" "echo" (func $echo (param i32 i32 i32 i32 i32)))
    (func (export "run") (param i32 i32 i32 i32) (result i32)
      (call $echo (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 16))
      (i32.const 16))
  )
  (core instance $main (instantiate $main
    (with "host" (instance (export "echo" (func $echo))))))

  (func $run (param "key" string) (param "value" (list u8)) (result (option (list u8)))
    (canon lift (core func $main "run")
      (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset"))))
  (export "run" (func $run))
)
