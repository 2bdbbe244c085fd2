;; Hostile fixture `wlie`: exports whose declared types lie about what the core code returns. The host lifts every
;; result by its declared type and must refuse what does not fit, never read past the plugin's memory.
;;
;; Exports wlie:plugin/api:
;;   far-string: func() -> string          -> (ptr, len) = (0xfffffff0, 100): past the end of memory
;;   huge-list: func() -> list<u8>         -> (ptr, len) = (16, 0x7fffffff): longer than memory
;;   bad-utf8: func() -> string            -> 4 bytes FF FE FD FC
;;   bad-option: func() -> option<u8>      -> discriminant 7
;;   bad-enum: func() -> enum { a, b }     -> case 9
;;   bad-char: func() -> char              -> 0xD800 (a surrogate)
;;   fine: func() -> string                -> "fine"
(component
  (core module $m
    (memory (export "mem") 1)
    (data (i32.const 64) "\ff\fe\fd\fc")
    (data (i32.const 96) "fine")
    (func (export "far-string") (result i32)
      (i32.store (i32.const 16) (i32.const 0xfffffff0)) (i32.store (i32.const 20) (i32.const 100)) (i32.const 16))
    (func (export "huge-list") (result i32)
      (i32.store (i32.const 16) (i32.const 16)) (i32.store (i32.const 20) (i32.const 0x7fffffff)) (i32.const 16))
    (func (export "bad-utf8") (result i32)
      (i32.store (i32.const 16) (i32.const 64)) (i32.store (i32.const 20) (i32.const 4)) (i32.const 16))
    (func (export "bad-option") (result i32)
      (i32.store8 (i32.const 16) (i32.const 7)) (i32.const 16))
    (func (export "bad-enum") (result i32) (i32.const 9))
    (func (export "bad-char") (result i32) (i32.const 0xD800))
    (func (export "fine") (result i32)
      (i32.store (i32.const 16) (i32.const 96)) (i32.store (i32.const 20) (i32.const 4)) (i32.const 16))
  )
  (core instance $m (instantiate $m))
  (alias core export $m "mem" (core memory $mem))
  (type $ab (enum "a" "b"))
  (func $far (result string) (canon lift (core func $m "far-string") (memory $mem)))
  (func $huge (result (list u8)) (canon lift (core func $m "huge-list") (memory $mem)))
  (func $utf8 (result string) (canon lift (core func $m "bad-utf8") (memory $mem)))
  (func $opt (result (option u8)) (canon lift (core func $m "bad-option") (memory $mem)))
  (func $enum (result $ab) (canon lift (core func $m "bad-enum")))
  (func $char (result char) (canon lift (core func $m "bad-char")))
  (func $fine (result string) (canon lift (core func $m "fine") (memory $mem)))
  (instance $api
    (export "far-string" (func $far))
    (export "huge-list" (func $huge))
    (export "bad-utf8" (func $utf8))
    (export "bad-option" (func $opt))
    (export "ab" (type $ab))
    (export "bad-enum" (func $enum))
    (export "bad-char" (func $char))
    (export "fine" (func $fine))
  )
  (export "wlie:plugin/api" (instance $api))
)
