;; Plugin fixture `wdb` (service wdb, plugin `plugin`): a guest of psibase's host:db/store with the exact WIT
;; types, for the byte adapter's host:db tests.
;;
;; Imports:
;;   host:db/store: enums db-mode and storage-duration, record database, resource bucket,
;;                  [constructor]bucket, [method]bucket.get, [method]bucket.set
;;
;; Exports wdb:plugin/api:
;;   put: func(key: string, value: list<u8>)        -> opens a bucket "default" (non-transactional,
;;                                                      persistent), sets, drops
;;   fetch: func(key: string) -> option<list<u8>>  -> the same bucket's get
;;   bench-set: func(count: u32, size: u32) -> u32  -> opens "default" once, sets "k" to `size` bytes of 0x76
;;                                                     `count` times, drops the bucket; returns count
;;   bench-get: func(count: u32) -> u32              -> opens "default" once, gets "k" `count` times (freeing each
;;                                                     value), drops the bucket; returns the sum of the lengths
;;
;; Memory: 0..1023 is static (16: export return area; 32: import return area; 128: "default"; 176: "k"); a
;; bump allocator above 1024 serves realloc and every export's post-return resets it.
(component $wdb
  (import "host:db/store" (instance $store
    (type $mode-def (enum "non-transactional" "transactional"))
    (export "db-mode" (type $mode (eq $mode-def)))
    (type $duration-def (enum "persistent" "session" "ephemeral"))
    (export "storage-duration" (type $duration (eq $duration-def)))
    (type $database-def (record (field "mode" $mode) (field "duration" $duration)))
    (export "database" (type $database (eq $database-def)))
    (export "bucket" (type $b (sub resource)))
    (export "[constructor]bucket" (func (param "db" $database) (param "identifier" string) (result (own $b))))
    (export "[method]bucket.get" (func (param "self" (borrow $b)) (param "key" string) (result (option (list u8)))))
    (export "[method]bucket.set" (func (param "self" (borrow $b)) (param "key" string) (param "value" (list u8))))
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
    (func (export "reset0") (global.set $bump (i32.const 1024)))
    (func (export "reset1") (param i32) (global.set $bump (i32.const 1024)))
  )
  (core instance $libc (instantiate $libc))

  (core func $new (canon lower (func $store "[constructor]bucket") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get (canon lower (func $store "[method]bucket.get") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $set (canon lower (func $store "[method]bucket.set") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $drop (canon resource.drop $bucket))

  (core module $main
    (import "libc" "mem" (memory 1))
    (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "libc" "bump" (global $bump (mut i32)))
    (import "db" "new" (func $new (param i32 i32 i32 i32) (result i32)))
    (import "db" "get" (func $get (param i32 i32 i32 i32)))
    (import "db" "set" (func $set (param i32 i32 i32 i32 i32)))
    (import "db" "drop" (func $drop (param i32)))
    (data (i32.const 128) "default")
    (data (i32.const 176) "k")

    ;; database { mode: non-transactional (0), duration: persistent (0) }, identifier "default"
    (func $open (result i32)
      (call $new (i32.const 0) (i32.const 0) (i32.const 128) (i32.const 7)))

    ;; Benchmark loops: one bucket, key "k" (at 176), count sets or gets.
    (func (export "bench-set") (param $count i32) (param $size i32) (result i32)
      (local $value i32) (local $h i32) (local $i i32)
      (local.set $value (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $size)))
      (memory.fill (local.get $value) (i32.const 0x76) (local.get $size))
      (local.set $h (call $open))
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
          (call $set (local.get $h) (i32.const 176) (i32.const 1) (local.get $value) (local.get $size))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (call $drop (local.get $h))
      (local.get $count))

    ;; option<list<u8>> at 32: tag, pointer 36, length 40.
    (func (export "bench-get") (param $count i32) (result i32)
      (local $h i32) (local $i i32) (local $sum i32) (local $mark i32)
      (local.set $h (call $open))
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
          (local.set $mark (global.get $bump))
          (call $get (local.get $h) (i32.const 176) (i32.const 1) (i32.const 32))
          (if (i32.load8_u (i32.const 32))
            (then (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 40))))))
          (global.set $bump (local.get $mark))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (call $drop (local.get $h))
      (local.get $sum))

    (func (export "put") (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32)
      (local $h i32)
      (local.set $h (call $open))
      (call $set (local.get $h) (local.get $kp) (local.get $kl) (local.get $vp) (local.get $vl))
      (call $drop (local.get $h)))

    ;; option<list<u8>> straight into the export's return area at 16.
    (func (export "fetch") (param $kp i32) (param $kl i32) (result i32)
      (local $h i32)
      (local.set $h (call $open))
      (call $get (local.get $h) (local.get $kp) (local.get $kl) (i32.const 16))
      (call $drop (local.get $h))
      (i32.const 16))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "db" (instance
      (export "new" (func $new))
      (export "get" (func $get))
      (export "set" (func $set))
      (export "drop" (func $drop))))))

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

  (instance $api
    (export "put" (func $put))
    (export "fetch" (func $fetch))
    (export "bench-set" (func $bench-set))
    (export "bench-get" (func $bench-get)))
  (export "wdb:plugin/api" (instance $api))
)
