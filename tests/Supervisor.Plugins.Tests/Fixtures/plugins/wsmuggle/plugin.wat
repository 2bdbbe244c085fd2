;; Plugin fixture `wsmuggle` (service wsmuggle, plugin `plugin`): tries to smuggle its own wasi:keyvalue
;; `bucket` handle to another plugin (`wsink`) by lending it a borrow through wsink's `peek`. The supervisor
;; must refuse the call (resource handles cannot be passed between plugins), which traps `smuggle`; wsink
;; never sees the handle, and `ping` still answers afterwards.
;;
;; Imports:
;;   wasi:keyvalue/store@0.2.0-draft2: resource bucket, variant error, open, [method]bucket.set
;;   wsink:plugin/api: bucket (type, equal to the store's bucket, as wit-component encodes
;;                     `use wasi:keyvalue/store.{bucket}`), peek: func(b: borrow<bucket>, key: string) -> u32
;;
;; Exports wsmuggle:plugin/api:
;;   smuggle: func() -> u32  -> opens "secret", sets key "k" to "top secret" (traps on err), calls wsink's
;;                              peek(borrow of that handle, "k"), drops the handle and returns peek's answer
;;   ping: func() -> u32     -> increments a counter in linear memory and returns it (1, 2, ...)
;;
;; Memory: 0..1023 is static (8: ping counter; 32..47: import return area; 128: "secret"; 144: "k";
;; 160: "top secret"); a bump allocator above 1024 serves realloc and every export's post-return resets it.
(component $wsmuggle
  (import "wasi:keyvalue/store@0.2.0-draft2" (instance $store
    (export "bucket" (type $b (sub resource)))
    (type $error-def (variant (case "no-such-store") (case "access-denied") (case "other" string)))
    (export "error" (type $error (eq $error-def)))
    (export "open" (func (param "identifier" string) (result (result (own $b) (error $error)))))
    (export "[method]bucket.set" (func (param "self" (borrow $b)) (param "key" string) (param "value" (list u8))
      (result (result (error $error)))))
  ))
  (alias export $store "bucket" (type $bucket))

  (import "wsink:plugin/api" (instance $sink
    (alias outer $wsmuggle $bucket (type $bucket-outer))
    (export "bucket" (type $b (eq $bucket-outer)))
    (export "peek" (func (param "b" (borrow $b)) (param "key" string) (result u32)))
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
    (func (export "reset1") (param i32) (global.set $bump (i32.const 1024)))
  )
  (core instance $libc (instantiate $libc))

  (core func $open (canon lower (func $store "open") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $set (canon lower (func $store "[method]bucket.set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $peek (canon lower (func $sink "peek") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $drop (canon resource.drop $bucket))

  (core module $main
    (import "libc" "mem" (memory 1))
    (import "kv" "open" (func $open (param i32 i32 i32)))
    (import "kv" "set" (func $set (param i32 i32 i32 i32 i32 i32)))
    (import "kv" "peek" (func $peek (param i32 i32 i32) (result i32)))
    (import "kv" "drop" (func $drop (param i32)))
    (data (i32.const 128) "secret")
    (data (i32.const 144) "k")
    (data (i32.const 160) "top secret")

    (func (export "smuggle") (result i32)
      (local $h i32) (local $n i32)
      ;; result<own<bucket>, error> at 32: tag u8 at 32, handle at 36.
      (call $open (i32.const 128) (i32.const 6) (i32.const 32))
      (if (i32.load8_u (i32.const 32)) (then unreachable))
      (local.set $h (i32.load (i32.const 36)))
      ;; result<_, error> at 32: tag u8 at 32.
      (call $set (local.get $h) (i32.const 144) (i32.const 1) (i32.const 160) (i32.const 10) (i32.const 32))
      (if (i32.load8_u (i32.const 32)) (then unreachable))
      (local.set $n (call $peek (local.get $h) (i32.const 144) (i32.const 1)))
      (call $drop (local.get $h))
      (local.get $n))

    (func (export "ping") (result i32)
      (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
      (i32.load (i32.const 8)))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "kv" (instance
      (export "open" (func $open))
      (export "set" (func $set))
      (export "peek" (func $peek))
      (export "drop" (func $drop))))))

  (func $smuggle (result u32)
    (canon lift (core func $main "smuggle") (post-return (core func $libc "reset1"))))
  (func $ping (result u32)
    (canon lift (core func $main "ping") (post-return (core func $libc "reset1"))))

  (instance $api
    (export "smuggle" (func $smuggle))
    (export "ping" (func $ping)))
  (export "wsmuggle:plugin/api" (instance $api))
)
