;; The byte adapters' scratch memory, spliced into each adapter at the line ";;@include adapter-memory".
;; Memory 16..79 alphabet; 128..383 decode table; 384..511 return areas; 512.. messages; a bump allocator above
;; 1024 serves realloc (arguments Wasmtime copies in, encoded and decoded values) and every export's post-return
;; resets it, so memory stays bounded.
  (memory (export "memory") 1)
  (global $bump (export "bump") (mut i32) (i32.const 1024))
  (func (export "realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $pages i32)
    (local.set $ptr (i32.and
      (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (local.set $pages (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))
        (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1)) (then unreachable))))
    (if (local.get $old)
      (then (memory.copy (local.get $ptr) (local.get $old)
        (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
    (global.set $bump (local.get $end))
    (local.get $ptr))
