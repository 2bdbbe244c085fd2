;; Plugin fixture `wloop1`: one half of an import cycle (wloop1 imports wloop2:plugin/api, wloop2 imports
;; wloop1:plugin/api), which the supervisor must refuse to link.
;;
;; Exports wloop1:plugin/api:
;;   bounce: func(n: u32) -> u32   -> n = 0: returns 0; otherwise returns wloop2's bounce(n - 1) + 1
;;                                    (so a full bounce of n through both plugins returns n)
;; Imports wloop2:plugin/api (bounce: func(n: u32) -> u32). No memory: only scalars cross.
(component
  (import "wloop2:plugin/api" (instance $other
    (export "bounce" (func (param "n" u32) (result u32)))
  ))
  (core func $other-bounce (canon lower (func $other "bounce")))
  (core module $main
    (import "other" "bounce" (func $other-bounce (param i32) (result i32)))
    (func (export "bounce") (param $n i32) (result i32)
      (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
      (i32.add (call $other-bounce (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))
  )
  (core instance $main (instantiate $main
    (with "other" (instance (export "bounce" (func $other-bounce))))))
  (func $bounce (param "n" u32) (result u32) (canon lift (core func $main "bounce")))
  (instance $api (export "bounce" (func $bounce)))
  (export "wloop1:plugin/api" (instance $api))
)
