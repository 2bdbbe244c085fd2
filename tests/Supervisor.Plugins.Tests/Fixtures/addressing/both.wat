;; Fixture for call addressing (PDP-CALL-4): a plugin that imports `alpha:plugin/api` and `beta:plugin/api`,
;; which the addressing tests deploy as one component built as `probe:plugin` (wbeta's fixture with its export
;; renamed), so each import links by the interface's name, not its package.
;;
;; Exports both:plugin/api (the tests deploy it as service `both`):
;;   set-a / set-b: func(key: string, value: list<u8>)       -> alpha's / beta's set
;;   get-a / get-b: func(key: string) -> option<list<u8>>    -> alpha's / beta's get
(component
  (import "alpha:plugin/api" (instance $a
    (export "set" (func (param "key" string) (param "value" (list u8))))
    (export "get" (func (param "key" string) (result (option (list u8)))))
  ))
  (import "beta:plugin/api" (instance $b
    (export "set" (func (param "key" string) (param "value" (list u8))))
    (export "get" (func (param "key" string) (result (option (list u8)))))
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

  (core func $a-set (canon lower (func $a "set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $a-get (canon lower (func $a "get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $b-set (canon lower (func $b "set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $b-get (canon lower (func $b "get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))

  (core module $main
    (import "libc" "mem" (memory 1))
    (import "a" "set" (func $a-set (param i32 i32 i32 i32)))
    (import "a" "get" (func $a-get (param i32 i32 i32)))
    (import "b" "set" (func $b-set (param i32 i32 i32 i32)))
    (import "b" "get" (func $b-get (param i32 i32 i32)))
    (func (export "set-a") (param i32 i32 i32 i32)
      (call $a-set (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (export "get-a") (param i32 i32) (result i32)
      (call $a-get (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16))
    (func (export "set-b") (param i32 i32 i32 i32)
      (call $b-set (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
    (func (export "get-b") (param i32 i32) (result i32)
      (call $b-get (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "a" (instance (export "set" (func $a-set)) (export "get" (func $a-get))))
    (with "b" (instance (export "set" (func $b-set)) (export "get" (func $b-get))))))

  (func $set-a (param "key" string) (param "value" (list u8))
    (canon lift (core func $main "set-a") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset0"))))
  (func $get-a (param "key" string) (result (option (list u8)))
    (canon lift (core func $main "get-a") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))
  (func $set-b (param "key" string) (param "value" (list u8))
    (canon lift (core func $main "set-b") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset0"))))
  (func $get-b (param "key" string) (result (option (list u8)))
    (canon lift (core func $main "get-b") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))

  (instance $api
    (export "set-a" (func $set-a))
    (export "get-a" (func $get-a))
    (export "set-b" (func $set-b))
    (export "get-b" (func $get-b)))
  (export "both:plugin/api" (instance $api))
)
