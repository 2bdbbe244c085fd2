;; The supervisor's byte adapter for the bucket methods of wasi:keyvalue/store, at 0.2.0-draft and
;; 0.2.0-draft2 alike (their get and set have the same types).
;;
;; Imports the plugin's bucket resource type (the host's, passed in by the outer component) and exports get and
;; set with the spec's exact types: [method]bucket.get and [method]bucket.set. Values cross to the host as base64
;; UTF-8 strings through supervisor:adapter/keyvalue (the composer imports it under a name per version, so the
;; host knows which bucket type the borrowed handle belongs to). The error variant passes through unchanged;
;; the bucket handle is only borrowed, never owned, by this component.
(component
  (import "bucket" (type $bucket (sub resource)))
  (import "supervisor:adapter/keyvalue" (instance $host
    (alias outer 1 0 (type $b))
    (type $err (variant (case "no-such-store") (case "access-denied") (case "other" string)))
    (export "error" (type $e (eq $err)))
    (export "get-enc" (func (param "self" (borrow $b)) (param "key" string) (result (result (option string) (error $e)))))
    (export "set-enc" (func (param "self" (borrow $b)) (param "key" string) (param "value" string) (result (result (error $e)))))
    (export "fail" (func (param "message" string)))
  ))
  (alias export $host "error" (type $host-error))
  (export $error "error" (type $host-error))

  (core module $mem
;;@include adapter-memory
  )
  (core instance $mem (instantiate $mem))

  (core func $get-enc (canon lower (func $host "get-enc") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))))
  (core func $set-enc (canon lower (func $host "set-enc") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))))
  (core func $fail (canon lower (func $host "fail") (memory (core memory $mem "memory"))))
  (core func $release (canon resource.drop $bucket))

  (core module $adapter
    (import "mem" "memory" (memory 1))
    (import "mem" "bump" (global $bump (mut i32)))
    (import "mem" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "host" "get-enc" (func $get-enc (param i32 i32 i32 i32)))
    (import "host" "set-enc" (func $set-enc (param i32 i32 i32 i32 i32 i32)))
    (import "host" "fail" (func $fail (param i32 i32)))
    ;; A function that receives a borrowed handle must give it back (drop it) before it returns.
    (import "host" "release" (func $release (param i32)))

;;@include adapter-base64

    ;; result<_, error> at 400, passed back as it came.
    (func (export "set") (param $self i32) (param $kp i32) (param $kl i32) (param $vp i32) (param $vl i32) (result i32)
      (local $enc i32)
      (local.set $enc (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.add (i32.mul (i32.div_u (i32.add (local.get $vl) (i32.const 2)) (i32.const 3)) (i32.const 4)) (i32.const 16))))
      (call $set-enc (local.get $self) (local.get $kp) (local.get $kl) (local.get $enc)
        (call $encode (local.get $vp) (local.get $vl) (local.get $enc)) (i32.const 400))
      (call $release (local.get $self))
      (i32.const 400))

    ;; result<option<string>, error> at 400 (result tag; option tag at 404, pointer 408, length 412): ok(some)
    ;; becomes ok(some(list<u8>)) in place; everything else passes back as it came.
    (func (export "get") (param $self i32) (param $kp i32) (param $kl i32) (result i32)
      (local $sl i32) (local $out i32) (local $n i32)
      (call $get-enc (local.get $self) (local.get $kp) (local.get $kl) (i32.const 400))
      (call $release (local.get $self))
      (if (i32.and (i32.eqz (i32.load8_u (i32.const 400))) (i32.load8_u (i32.const 404)))
        (then
          (local.set $sl (i32.load (i32.const 412)))
          (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
            (i32.add (i32.mul (i32.shr_u (local.get $sl) (i32.const 2)) (i32.const 3)) (i32.const 16))))
          (local.set $n (call $decode (i32.load (i32.const 408)) (local.get $sl) (local.get $out)))
          (if (i32.lt_s (local.get $n) (i32.const 0))
            (then
              (call $fail (i32.const 512) (i32.const 75))
              unreachable))
          (i32.store (i32.const 408) (local.get $out))
          (i32.store (i32.const 412) (local.get $n))))
      (i32.const 400))

    (func (export "reset1") (param i32) (global.set $bump (i32.const 1024)))
  )
  (core instance $adapter (instantiate $adapter
    (with "mem" (instance $mem))
    (with "host" (instance
      (export "get-enc" (func $get-enc))
      (export "set-enc" (func $set-enc))
      (export "fail" (func $fail))
      (export "release" (func $release))))))

  (func (export "get") (param "self" (borrow $bucket)) (param "key" string) (result (result (option (list u8)) (error $error)))
    (canon lift (core func $adapter "get") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
      (post-return (core func $adapter "reset1"))))
  (func (export "set") (param "self" (borrow $bucket)) (param "key" string) (param "value" (list u8)) (result (result (error $error)))
    (canon lift (core func $adapter "set") (memory (core memory $mem "memory")) (realloc (core func $mem "realloc"))
      (post-return (core func $adapter "reset1"))))
)
