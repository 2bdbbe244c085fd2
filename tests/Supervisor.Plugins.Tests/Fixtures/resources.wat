;; Guest for host resources: opens a host `bucket`, calls a method on it, drops it.
(component
  (import "test:res/api" (instance $api
    (export "bucket" (type $b (sub resource)))
    (export "open" (func (param "name" string) (result (own $b))))
    (export "[method]bucket.size" (func (param "self" (borrow $b)) (result u32)))
  ))
  (alias export $api "bucket" (type $bucket))

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

  (core func $open (canon lower (func $api "open") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $size (canon lower (func $api "[method]bucket.size")))
  (core func $drop (canon resource.drop $bucket))

  (core module $main
    (import "host" "open" (func $open (param i32 i32) (result i32)))
    (import "host" "size" (func $size (param i32) (result i32)))
    (import "host" "drop" (func $drop (param i32)))
    ;; open, measure, drop: returns the size
    (func (export "run") (param i32 i32) (result i32)
      (local $h i32) (local $n i32)
      (local.set $h (call $open (local.get 0) (local.get 1)))
      (local.set $n (call $size (local.get $h)))
      (call $drop (local.get $h))
      (local.get $n))
    ;; open, drop, then use the dropped handle: must trap
    (func (export "use-after-drop") (param i32 i32) (result i32)
      (local $h i32)
      (local.set $h (call $open (local.get 0) (local.get 1)))
      (call $drop (local.get $h))
      (call $size (local.get $h)))
    ;; open twice without dropping: handles stay live in the store
    (func (export "leak") (param i32 i32) (result i32)
      (drop (call $open (local.get 0) (local.get 1)))
      (call $size (call $open (local.get 0) (local.get 1))))
  )
  (core instance $main (instantiate $main (with "host" (instance
    (export "open" (func $open)) (export "size" (func $size)) (export "drop" (func $drop))))))

  (func $run (param "name" string) (result u32)
    (canon lift (core func $main "run") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (func $use-after-drop (param "name" string) (result u32)
    (canon lift (core func $main "use-after-drop") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (func $leak (param "name" string) (result u32)
    (canon lift (core func $main "leak") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (export "run" (func $run))
  (export "use-after-drop" (func $use-after-drop))
  (export "leak" (func $leak))
)
