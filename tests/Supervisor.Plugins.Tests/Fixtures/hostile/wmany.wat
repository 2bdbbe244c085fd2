;; Hostile fixture `wmany` (a template): one component holding COUNT core instances of a module with a memory and a
;; table of its own, so that a cap per linear memory alone would let it take COUNT times the memory limit.
;;
;; Exports wmany:plugin/api:
;;   ping: func() -> u32   -> 7
(component
  (core module $m
    (memory (export "mem") 1)
    (table 1 funcref)
    (func (export "f") (result i32) (i32.const 7))
  )
  INSTANCES
  (func $ping (result u32) (canon lift (core func $i0 "f")))
  (instance $api (export "ping" (func $ping)))
  (export "wmany:plugin/api" (instance $api))
)
