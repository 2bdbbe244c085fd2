;; Hostile-suite fixture `wvia`: calls another plugin's `ping`, so a hostile callee is reached through a plugin.
;;
;; Exports wvia:plugin/api:
;;   go: func() -> u32   -> CALLEE's ping()
;; Imports CALLEE:plugin/api (ping: func() -> u32); tests replace CALLEE with the service to reach.
(component
  (import "CALLEE:plugin/api" (instance $callee
    (export "ping" (func (result u32)))
  ))
  (core func $ping (canon lower (func $callee "ping")))
  (core module $m
    (import "callee" "ping" (func $ping (result i32)))
    (func (export "go") (result i32) (call $ping))
  )
  (core instance $m (instantiate $m (with "callee" (instance (export "ping" (func $ping))))))
  (func $go (result u32) (canon lift (core func $m "go")))
  (instance $api (export "go" (func $go)))
  (export "wvia:plugin/api" (instance $api))
)
