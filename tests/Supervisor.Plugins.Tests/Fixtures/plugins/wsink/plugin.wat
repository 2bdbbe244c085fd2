;; Plugin fixture `wsink` (service wsink, plugin `plugin`): the receiving end of a handle-smuggling attempt.
;; It exports a function taking a borrow of the wasi:keyvalue `bucket` resource, typed with the imported
;; store's own `bucket` (the instance exports the type as `(eq ...)`, as wit-component encodes
;; `use wasi:keyvalue/store.{bucket}`), so another plugin (`wsmuggle`) can try to lend it its handle.
;; The supervisor must refuse that call: a handle belongs to the store of the plugin that opened it.
;;
;; Imports:
;;   wasi:keyvalue/store@0.2.0-draft2: resource bucket, variant error, [method]bucket.get
;;
;; Exports wsink:plugin/api:
;;   bucket (type, equal to the imported store's bucket)
;;   peek: func(b: borrow<bucket>, key: string) -> u32
;;        calls [method]bucket.get(b, key) and returns the length of the value found; 0 when the key is
;;        absent or get returns err; drops the borrow before returning
;;
;; Memory: 0..1023 is static (32..47: import return area); a bump allocator above 1024 serves realloc and
;; every export's post-return resets it.
(component $wsink
  (import "wasi:keyvalue/store@0.2.0-draft2" (instance $store
    (export "bucket" (type $b (sub resource)))
    (type $error-def (variant (case "no-such-store") (case "access-denied") (case "other" string)))
    (export "error" (type $error (eq $error-def)))
    (export "[method]bucket.get" (func (param "self" (borrow $b)) (param "key" string)
      (result (result (option (list u8)) (error $error)))))
  ))
  (alias export $store "bucket" (type $bucket))

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
    (func (export "reset1") (param i32) (global.set $bump (i32.const 1024)))
  )
  (core instance $libc (instantiate $libc))

  (core func $get (canon lower (func $store "[method]bucket.get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $drop (canon resource.drop $bucket))

  (core module $main
    (import "libc" "mem" (memory 1))
    (import "kv" "get" (func $get (param i32 i32 i32 i32)))
    (import "kv" "drop" (func $drop (param i32)))

    ;; result<option<list<u8>>, error> at 32: tag u8 at 32; ok: option tag u8 at 36, list at 40/44.
    (func (export "peek") (param $h i32) (param $key i32) (param $len i32) (result i32)
      (local $n i32)
      (call $get (local.get $h) (local.get $key) (local.get $len) (i32.const 32))
      (if (i32.eqz (i32.load8_u (i32.const 32)))
        (then (if (i32.load8_u (i32.const 36))
          (then (local.set $n (i32.load (i32.const 44)))))))
      (call $drop (local.get $h))
      (local.get $n))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "kv" (instance
      (export "get" (func $get))
      (export "drop" (func $drop))))))

  (func $peek (param "b" (borrow $bucket)) (param "key" string) (result u32)
    (canon lift (core func $main "peek") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset1"))))

  (instance $api
    (export "bucket" (type $bucket))
    (export "peek" (func $peek)))
  (export "wsink:plugin/api" (instance $api))
)
