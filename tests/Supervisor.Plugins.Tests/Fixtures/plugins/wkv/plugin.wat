;; Plugin fixture `wkv` (service wkv, plugin `plugin`): a guest of the host's wasi:keyvalue@0.2.0-draft2 with
;; the exact WIT types (the store's `bucket` resource and `error` variant; atomics' `increment` borrowing the
;; store's bucket), for the tests of handle ownership, handle limits and s64 counters.
;;
;; Imports:
;;   wasi:keyvalue/store@0.2.0-draft2: resource bucket, variant error, open, [method]bucket.get, [method]bucket.set
;;   wasi:keyvalue/atomics@0.2.0-draft2: increment (bucket and error aliased from the store import, as
;;                                       wit-component encodes `use store.{bucket, error}`)
;;
;; Exports wkv:plugin/api:
;;   incr: func(key: string, delta: s64) -> s64
;;        opens "default", increments `key` by `delta`, drops the bucket, returns the new value; traps
;;        (`unreachable`) when open or increment returns err
;;   try-incr: func(key: string, delta: s64) -> result<s64, string>
;;        the same, but an err from increment comes back as err(message): the `other` string, or the case
;;        name ("no-such-store", "access-denied"); the bucket is dropped either way
;;   use-after-drop: func() -> u32        -> opens "default", drops it (canon resource.drop), then calls
;;                                           [method]bucket.get on the same handle index: must trap
;;   double-drop: func()                  -> opens "default", drops the handle twice: must trap
;;   open-count: func(n: u32) -> u32      -> opens "default" up to n times without dropping; returns how many
;;                                           opens succeeded before the first err (the handles stay open)
;;   put: func(key: string, value: list<u8>)         -> opens "default", sets, drops; traps on err
;;   fetch: func(key: string) -> option<list<u8>>   -> opens "default", gets, drops; traps on err
;;   bench-set: func(count: u32, size: u32) -> u32  -> opens "default" once, sets "k" to `size` bytes of 0x76
;;                                                     `count` times, drops the bucket; returns count
;;   bench-get: func(count: u32) -> u32              -> opens "default" once, gets "k" `count` times (freeing each
;;                                                     value), drops the bucket; returns the sum of the lengths
;;
;; Memory: 0..1023 is static (16: export return area; 32..55: import return area; 128: "default";
;; 144: "no-such-store"; 160: "access-denied"; 176: "k"); a bump allocator above 1024 serves realloc and
;; every export's post-return resets it, so memory stays bounded over many calls.
(component $wkv
  (import "wasi:keyvalue/store@0.2.0-draft2" (instance $store
    (export "bucket" (type $b (sub resource)))
    (type $error-def (variant (case "no-such-store") (case "access-denied") (case "other" string)))
    (export "error" (type $error (eq $error-def)))
    (export "open" (func (param "identifier" string) (result (result (own $b) (error $error)))))
    (export "[method]bucket.get" (func (param "self" (borrow $b)) (param "key" string)
      (result (result (option (list u8)) (error $error)))))
    (export "[method]bucket.set" (func (param "self" (borrow $b)) (param "key" string) (param "value" (list u8))
      (result (result (error $error)))))
  ))
  (alias export $store "bucket" (type $bucket))
  (alias export $store "error" (type $error))

  (import "wasi:keyvalue/atomics@0.2.0-draft2" (instance $atomics
    (alias outer $wkv $bucket (type $bucket-outer))
    (export "bucket" (type $b (eq $bucket-outer)))
    (alias outer $wkv $error (type $error-outer))
    (export "error" (type $e (eq $error-outer)))
    (export "increment" (func (param "bucket" (borrow $b)) (param "key" string) (param "delta" s64)
      (result (result s64 (error $e)))))
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
    (func (export "reset-i64") (param i64) (global.set $bump (i32.const 1024)))
  )
  (core instance $libc (instantiate $libc))

  (core func $open (canon lower (func $store "open") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get (canon lower (func $store "[method]bucket.get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $set (canon lower (func $store "[method]bucket.set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $increment (canon lower (func $atomics "increment") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $drop (canon resource.drop $bucket))

  (core module $main
    (import "libc" "mem" (memory 1))
    (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "libc" "bump" (global $bump (mut i32)))
    (import "kv" "open" (func $open (param i32 i32 i32)))
    (import "kv" "get" (func $get (param i32 i32 i32 i32)))
    (import "kv" "set" (func $set (param i32 i32 i32 i32 i32 i32)))
    (import "kv" "increment" (func $increment (param i32 i32 i32 i64 i32)))
    (import "kv" "drop" (func $drop (param i32)))
    (data (i32.const 128) "default")
    (data (i32.const 144) "no-such-store")
    (data (i32.const 160) "access-denied")
    (data (i32.const 176) "k")

    ;; open "default": the handle, or -1 on err. result<own<bucket>, error> at 32: tag u8 at 32, handle at 36.
    (func $open-default (result i32)
      (call $open (i32.const 128) (i32.const 7) (i32.const 32))
      (if (result i32) (i32.load8_u (i32.const 32))
        (then (i32.const -1))
        (else (i32.load (i32.const 36)))))

    (func $open-or-trap (result i32)
      (local $h i32)
      (local.set $h (call $open-default))
      (if (i32.eq (local.get $h) (i32.const -1)) (then unreachable))
      (local.get $h))

    ;; increment: result<s64, error> at 32: tag u8 at 32; ok s64 at 40; err: case u8 at 40, string at 44/48.
    (func (export "incr") (param $key i32) (param $len i32) (param $delta i64) (result i64)
      (local $h i32)
      (local.set $h (call $open-or-trap))
      (call $increment (local.get $h) (local.get $key) (local.get $len) (local.get $delta) (i32.const 32))
      (call $drop (local.get $h))
      (if (i32.load8_u (i32.const 32)) (then unreachable))
      (i64.load (i32.const 40)))

    ;; result<s64, string> at 16: tag u8 at 16; ok s64 at 24; err string at 24/28.
    (func (export "try-incr") (param $key i32) (param $len i32) (param $delta i64) (result i32)
      (local $h i32) (local $case i32)
      (local.set $h (call $open-or-trap))
      (call $increment (local.get $h) (local.get $key) (local.get $len) (local.get $delta) (i32.const 32))
      (call $drop (local.get $h))
      (if (i32.eqz (i32.load8_u (i32.const 32)))
        (then
          (i32.store8 (i32.const 16) (i32.const 0))
          (i64.store (i32.const 24) (i64.load (i32.const 40)))
          (return (i32.const 16))))
      (i32.store8 (i32.const 16) (i32.const 1))
      (local.set $case (i32.load8_u (i32.const 40)))
      (if (i32.eq (local.get $case) (i32.const 2))
        (then
          (i32.store (i32.const 24) (i32.load (i32.const 44)))
          (i32.store (i32.const 28) (i32.load (i32.const 48))))
        (else
          (i32.store (i32.const 24) (select (i32.const 144) (i32.const 160) (i32.eqz (local.get $case))))
          (i32.store (i32.const 28) (i32.const 13))))
      (i32.const 16))

    ;; set: result<_, error> at 32 (tag u8).
    (func (export "put") (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32)
      (local $h i32)
      (local.set $h (call $open-or-trap))
      (call $set (local.get $h) (local.get $kp) (local.get $kl) (local.get $vp) (local.get $vl) (i32.const 32))
      (call $drop (local.get $h))
      (if (i32.load8_u (i32.const 32)) (then unreachable)))

    ;; get: result<option<list<u8>>, error> at 32: tag u8 at 32; option tag at 36, pointer 40, length 44;
    ;; passed on as option<list<u8>> at 16 (tag, pointer 20, length 24).
    (func (export "fetch") (param $kp i32) (param $kl i32) (result i32)
      (local $h i32)
      (local.set $h (call $open-or-trap))
      (call $get (local.get $h) (local.get $kp) (local.get $kl) (i32.const 32))
      (call $drop (local.get $h))
      (if (i32.load8_u (i32.const 32)) (then unreachable))
      (i32.store8 (i32.const 16) (i32.load8_u (i32.const 36)))
      (i32.store (i32.const 20) (i32.load (i32.const 40)))
      (i32.store (i32.const 24) (i32.load (i32.const 44)))
      (i32.const 16))

    ;; Benchmark loops: one bucket, key "k" (at 176), count sets or gets.
    (func (export "bench-set") (param $count i32) (param $size i32) (result i32)
      (local $value i32) (local $h i32) (local $i i32)
      (local.set $value (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $size)))
      (memory.fill (local.get $value) (i32.const 0x76) (local.get $size))
      (local.set $h (call $open-or-trap))
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
          (call $set (local.get $h) (i32.const 176) (i32.const 1) (local.get $value) (local.get $size) (i32.const 32))
          (if (i32.load8_u (i32.const 32)) (then unreachable))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (call $drop (local.get $h))
      (local.get $count))

    (func (export "bench-get") (param $count i32) (result i32)
      (local $h i32) (local $i i32) (local $sum i32) (local $mark i32)
      (local.set $h (call $open-or-trap))
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
          (local.set $mark (global.get $bump))
          (call $get (local.get $h) (i32.const 176) (i32.const 1) (i32.const 32))
          (if (i32.load8_u (i32.const 32)) (then unreachable))
          (if (i32.load8_u (i32.const 36))
            (then (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 44))))))
          (global.set $bump (local.get $mark))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (call $drop (local.get $h))
      (local.get $sum))

    (func (export "use-after-drop") (result i32)
      (local $h i32)
      (local.set $h (call $open-or-trap))
      (call $drop (local.get $h))
      (call $get (local.get $h) (i32.const 176) (i32.const 1) (i32.const 32))
      (i32.const 0))

    (func (export "double-drop")
      (local $h i32)
      (local.set $h (call $open-or-trap))
      (call $drop (local.get $h))
      (call $drop (local.get $h)))

    (func (export "open-count") (param $n i32) (result i32)
      (local $i i32)
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (br_if $done (i32.eq (call $open-default) (i32.const -1)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (local.get $i))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "kv" (instance
      (export "open" (func $open))
      (export "get" (func $get))
      (export "set" (func $set))
      (export "increment" (func $increment))
      (export "drop" (func $drop))))))

  (func $incr (param "key" string) (param "delta" s64) (result s64)
    (canon lift (core func $main "incr") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset-i64"))))
  (func $try-incr (param "key" string) (param "delta" s64) (result (result s64 (error string)))
    (canon lift (core func $main "try-incr") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset1"))))
  (func $bench-set (param "count" u32) (param "size" u32) (result u32)
    (canon lift (core func $main "bench-set") (post-return (core func $libc "reset1"))))
  (func $bench-get (param "count" u32) (result u32)
    (canon lift (core func $main "bench-get") (post-return (core func $libc "reset1"))))
  (func $put (param "key" string) (param "value" (list u8))
    (canon lift (core func $main "put") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset0"))))
  (func $fetch (param "key" string) (result (option (list u8)))
    (canon lift (core func $main "fetch") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))
      (post-return (core func $libc "reset1"))))
  (func $use-after-drop (result u32)
    (canon lift (core func $main "use-after-drop") (post-return (core func $libc "reset1"))))
  (func $double-drop
    (canon lift (core func $main "double-drop") (post-return (core func $libc "reset0"))))
  (func $open-count (param "n" u32) (result u32)
    (canon lift (core func $main "open-count") (post-return (core func $libc "reset1"))))

  (instance $api
    (export "incr" (func $incr))
    (export "try-incr" (func $try-incr))
    (export "use-after-drop" (func $use-after-drop))
    (export "double-drop" (func $double-drop))
    (export "open-count" (func $open-count))
    (export "put" (func $put))
    (export "fetch" (func $fetch))
    (export "bench-set" (func $bench-set))
    (export "bench-get" (func $bench-get)))
  (export "wkv:plugin/api" (instance $api))
)
