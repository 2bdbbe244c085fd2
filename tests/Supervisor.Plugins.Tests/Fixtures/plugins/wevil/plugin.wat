;; Plugin fixture `wevil`: imports interfaces outside the set the supervisor provides, which it must refuse
;; to load (by name, before linking).
;;
;; Imports:
;;   evil:net/socket                    connect: func(host: string) -> u32        (made up)
;;   wasi:http/outgoing-handler@0.2.0   handle: func(url: string) -> u32          (the real name, a made-up
;;                                      simplified type: the real one uses resources)
;;   wasi:cli/environment@0.2.0         get-environment: func() -> list<tuple<string, string>>
;;                                      (the real WASI p2 name and type: a linker with WASI added would
;;                                      satisfy it silently, so only an allow-list of import names stops it)
;; Exports wevil:plugin/api:
;;   connect: func(host: string) -> u32  -> evil:net/socket connect, passed through
;;   fetch: func(url: string) -> u32     -> wasi:http/outgoing-handler handle, passed through
;;   env-count: func() -> u32            -> number of environment variables get-environment returned
(component
  (import "evil:net/socket" (instance $socket
    (export "connect" (func (param "host" string) (result u32)))
  ))
  (import "wasi:http/outgoing-handler@0.2.0" (instance $http
    (export "handle" (func (param "url" string) (result u32)))
  ))
  (import "wasi:cli/environment@0.2.0" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))
  ))

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

  (core func $connect (canon lower (func $socket "connect") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $handle (canon lower (func $http "handle") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (core func $get-env (canon lower (func $env "get-environment") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))

  (core module $main
    (import "host" "connect" (func $connect (param i32 i32) (result i32)))
    (import "host" "handle" (func $handle (param i32 i32) (result i32)))
    (import "host" "get-env" (func $get-env (param i32)))
    (import "libc" "mem" (memory 1))
    (func (export "connect") (param i32 i32) (result i32) (call $connect (local.get 0) (local.get 1)))
    (func (export "fetch") (param i32 i32) (result i32) (call $handle (local.get 0) (local.get 1)))
    (func (export "env-count") (result i32)
      (call $get-env (i32.const 32))
      (i32.load (i32.const 36)))
  )
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "connect" (func $connect))
      (export "handle" (func $handle))
      (export "get-env" (func $get-env))))))

  (func $connect-export (param "host" string) (result u32)
    (canon lift (core func $main "connect") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))
  (func $fetch (param "url" string) (result u32)
    (canon lift (core func $main "fetch") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")) (post-return (core func $libc "reset1"))))
  (func $env-count (result u32)
    (canon lift (core func $main "env-count") (post-return (core func $libc "reset1"))))

  (instance $api
    (export "connect" (func $connect-export))
    (export "fetch" (func $fetch))
    (export "env-count" (func $env-count)))
  (export "wevil:plugin/api" (instance $api))
)
