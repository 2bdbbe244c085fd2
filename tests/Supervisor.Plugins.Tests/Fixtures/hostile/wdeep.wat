;; Hostile fixture `wdeep` (a template): a plugin that spends most of its wasm stack, then calls the next plugin of a
;; chain from the bottom of that recursion, so a chain of them piles their stacks onto one native thread.
;;
;; SERVICE the service it is deployed as; NEXT the next plugin's service; LAST 1 for the last of a chain, which
;;         never calls out (its NEXT must still name another plugin with `dive`: a plugin cannot import itself)
;;
;; Exports SERVICE:plugin/api:
;;   dive: func(depth: u32, calls: u32) -> u32
;;         recurses `depth` frames (each keeping 16 i64 locals live across its call), then, when `calls` > 0 and
;;         LAST is 0, calls NEXT's dive(depth, calls - 1); returns the number of plugins entered below it
;; Imports NEXT:plugin/api (dive).
(component
  (import "NEXT:plugin/api" (instance $next
    (export "dive" (func (param "depth" u32) (param "calls" u32) (result u32)))
  ))
  (core func $next-dive (canon lower (func $next "dive")))
  (core module $m
    (import "next" "dive" (func $next-dive (param i32 i32) (result i32)))
    (global $sink (mut i64) (i64.const 0))
    (func $eat (param $n i32) (param $depth i32) (param $calls i32) (result i32)
      (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $e i64) (local $f i64) (local $g i64) (local $h i64)
      (local $i i64) (local $j i64) (local $k i64) (local $l i64) (local $m i64) (local $o i64) (local $p i64) (local $q i64)
      (local $r i32)
      (if (i32.eqz (local.get $n))
        (then
          (if (i32.or (i32.eqz (local.get $calls)) (i32.const LAST)) (then (return (i32.const 0))))
          (return (i32.add (i32.const 1) (call $next-dive (local.get $depth) (i32.sub (local.get $calls) (i32.const 1)))))))
      (local.set $a (i64.extend_i32_u (local.get $n)))
      (local.set $b (i64.mul (local.get $a) (i64.const 3))) (local.set $c (i64.mul (local.get $b) (i64.const 5)))
      (local.set $d (i64.mul (local.get $c) (i64.const 7))) (local.set $e (i64.mul (local.get $d) (i64.const 11)))
      (local.set $f (i64.mul (local.get $e) (i64.const 13))) (local.set $g (i64.mul (local.get $f) (i64.const 17)))
      (local.set $h (i64.mul (local.get $g) (i64.const 19))) (local.set $i (i64.mul (local.get $h) (i64.const 23)))
      (local.set $j (i64.mul (local.get $i) (i64.const 29))) (local.set $k (i64.mul (local.get $j) (i64.const 31)))
      (local.set $l (i64.mul (local.get $k) (i64.const 37))) (local.set $m (i64.mul (local.get $l) (i64.const 41)))
      (local.set $o (i64.mul (local.get $m) (i64.const 43))) (local.set $p (i64.mul (local.get $o) (i64.const 47)))
      (local.set $q (i64.mul (local.get $p) (i64.const 53)))
      (local.set $r (call $eat (i32.sub (local.get $n) (i32.const 1)) (local.get $depth) (local.get $calls)))
      ;; Every local is used after the call (stored to a global, which no optimizer may drop), so each frame keeps all of them.
      (global.set $sink (i64.add (local.get $a) (i64.add (local.get $b) (i64.add (local.get $c) (i64.add (local.get $d)
        (i64.add (local.get $e) (i64.add (local.get $f) (i64.add (local.get $g) (i64.add (local.get $h)
        (i64.add (local.get $i) (i64.add (local.get $j) (i64.add (local.get $k) (i64.add (local.get $l)
        (i64.add (local.get $m) (i64.add (local.get $o) (i64.add (local.get $p) (local.get $q)))))))))))))))))
      (local.get $r))
    (func (export "dive") (param $depth i32) (param $calls i32) (result i32)
      (call $eat (local.get $depth) (local.get $depth) (local.get $calls)))
  )
  (core instance $m (instantiate $m (with "next" (instance (export "dive" (func $next-dive))))))
  (func $dive (param "depth" u32) (param "calls" u32) (result u32) (canon lift (core func $m "dive")))
  (instance $api (export "dive" (func $dive)))
  (export "SERVICE:plugin/api" (instance $api))
)
