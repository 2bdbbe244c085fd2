;; Guest for limits: grows its memory on request, or spins forever.
(component
  (core module $m
    (memory (export "mem") 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "spin") (loop $l (br $l)))
  )
  (core instance $i (instantiate $m))
  (func $grow (param "pages" u32) (result s32) (canon lift (core func $i "grow")))
  (func $spin (canon lift (core func $i "spin")))
  (export "grow" (func $grow))
  (export "spin" (func $spin))
)
