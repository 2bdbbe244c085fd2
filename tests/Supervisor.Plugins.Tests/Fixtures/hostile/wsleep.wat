;; Hostile fixture `wsleep`: waits on a WASI timer inside a call, which epoch interruption cannot stop (a blocking
;; host call runs no wasm). The supervisor refuses plugin timers instead.
;;
;; Exports wsleep:plugin/api:
;;   sleep: func(ns: u64) -> u32   -> subscribe-duration(ns), then block on the pollable; returns 1
;;   now: func() -> u64            -> monotonic-clock now (timers refused, the clock itself still reads)
;; Imports wasi:io/poll@0.2.0 (pollable, [method]pollable.block) and wasi:clocks/monotonic-clock@0.2.0 (now,
;; subscribe-duration).
(component
  (import "wasi:io/poll@0.2.0" (instance $poll
    (export "pollable" (type (sub resource)))
    (export "[method]pollable.block" (func (param "self" (borrow 0))))
  ))
  (alias export $poll "pollable" (type $pollable))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (alias outer 1 $pollable (type))
    (export "pollable" (type (eq 0)))
    (type u64)
    (export "instant" (type (eq 2)))
    (type u64)
    (export "duration" (type (eq 4)))
    (export "now" (func (result 3)))
    (export "subscribe-duration" (func (param "when" 5) (result (own 1))))
  ))
  (core func $now (canon lower (func $clock "now")))
  (core func $subscribe (canon lower (func $clock "subscribe-duration")))
  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core module $m
    (import "clock" "now" (func $now (result i64)))
    (import "clock" "subscribe-duration" (func $subscribe (param i64) (result i32)))
    (import "poll" "block" (func $block (param i32)))
    (func (export "sleep") (param $ns i64) (result i32)
      (call $block (call $subscribe (local.get $ns)))
      (i32.const 1))
    (func (export "now") (result i64) (call $now))
  )
  (core instance $m (instantiate $m
    (with "clock" (instance (export "now" (func $now)) (export "subscribe-duration" (func $subscribe))))
    (with "poll" (instance (export "block" (func $block))))
  ))
  (func $sleep (param "ns" u64) (result u32) (canon lift (core func $m "sleep")))
  (func $read (result u64) (canon lift (core func $m "now")))
  (instance $api (export "sleep" (func $sleep)) (export "now" (func $read)))
  (export "wsleep:plugin/api" (instance $api))
)
