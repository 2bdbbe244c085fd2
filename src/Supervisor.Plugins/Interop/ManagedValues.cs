using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// The object face over Wasmtime's val_t: .NET values in the shapes <see cref="WitValueWalk"/> defines, to and
/// from values. Own and borrow read as a <see cref="HostResource"/> (when <c>context</c> resolves it) or a
/// <see cref="ComponentResource"/>, and are written from either. <c>context</c> is needed only for resources.
/// Values read are not freed. Values written follow <see cref="ComponentValues"/>' ownership rules: every heap
/// part comes from Wasmtime's allocators, and a conversion that fails frees what it had built.
/// </summary>
internal static unsafe class ManagedValues
{
    public static object? ToManaged(in ComponentVal v, WitType type, nint context = 0)
    {
        fixed (ComponentVal* p = &v) return WitValueWalk.Read((nint)p, type, new Reader(context));
    }

    /// <summary>Writes into <paramref name="dst"/>, which must not hold heap parts (a result slot holds bool false).</summary>
    public static void FromManaged(ref ComponentVal dst, WitType type, object? value, nint context = 0) =>
        dst = WitValueWalk.Write<ComponentVal, Writer>(value, type, new Writer(context));

    /// <summary>Reads values in place; a value is a pointer to its val_t (Wasmtime's memory, or pinned by <see cref="ToManaged"/>).</summary>
    private readonly struct Reader(nint context) : IWitReader<nint>
    {
        public bool Bool(nint v, WitType type) => Expect(v, ComponentValKind.Bool).Bool != 0;

        public long Signed(nint v, WitType type, long min, long max) => type.Kind switch
        {
            WitKind.S8 => Expect(v, ComponentValKind.S8).S8,
            WitKind.S16 => Expect(v, ComponentValKind.S16).S16,
            WitKind.S32 => Expect(v, ComponentValKind.S32).S32,
            _ => Expect(v, ComponentValKind.S64).S64,
        };

        public ulong Unsigned(nint v, WitType type, ulong max) => type.Kind switch
        {
            WitKind.U8 => Expect(v, ComponentValKind.U8).U8,
            WitKind.U16 => Expect(v, ComponentValKind.U16).U16,
            WitKind.U32 => Expect(v, ComponentValKind.U32).U32,
            _ => Expect(v, ComponentValKind.U64).U64,
        };

        public float F32(nint v, WitType type) => Expect(v, ComponentValKind.F32).F32;

        public double F64(nint v, WitType type) => Expect(v, ComponentValKind.F64).F64;

        public Rune Char(nint v, WitType type) => new(Expect(v, ComponentValKind.Char).Char);

        public string String(nint v, WitType type) => ComponentValues.ReadString(Expect(v, ComponentValKind.String));

        public byte[] Bytes(nint v, WitList type) => ComponentValues.ReadBytes(At(v));

        public nint[] List(nint v, WitList type)
        {
            ref readonly var list = ref At(v);
            return Items(list.Data, ComponentValues.ListLength(list));
        }

        public void Record(nint v, WitRecord type)
        {
            var n = checked((int)Expect(v, ComponentValKind.Record).Size);
            if (n != type.Fields.Count) throw new InvalidCastException($"record has {n} fields, type has {type.Fields.Count}");
        }

        public bool Field(nint v, WitRecord type, int index, out nint field)
        {
            ref readonly var record = ref At(v);
            var entries = (ComponentValRecordEntry*)record.Data;
            var name = type.Fields[index].Name;
            // Wasmtime lists the fields in the type's order; look further only if it ever does not.
            for (var i = 0; i < (int)record.Size; i++)
            {
                var entry = &entries[(index + i) % (int)record.Size];
                if (Encoding.UTF8.GetString(entry->Name.AsSpan()) != name) continue;
                field = (nint)(&entry->Value);
                return true;
            }
            throw new InvalidCastException($"record value has no field '{name}'");
        }

        public Exception MissingField(nint v, WitRecord type, WitField field) => new InvalidCastException($"record value has no field '{field.Name}'");

        public nint[] Tuple(nint v, WitTuple type)
        {
            ref readonly var tuple = ref Expect(v, ComponentValKind.Tuple);
            var n = checked((int)tuple.Size);
            if (n != type.Types.Count) throw new InvalidCastException($"tuple has {n} items, type has {type.Types.Count}");
            return Items(tuple.Data, n);
        }

        public int Variant(nint v, WitVariant type, out nint payload, out bool hasPayload)
        {
            ref readonly var variant = ref Expect(v, ComponentValKind.Variant);
            var tag = Encoding.UTF8.GetString(new ReadOnlySpan<byte>((void*)variant.Data, checked((int)variant.Size)));
            var index = type.IndexOf(tag);
            if (index < 0) throw new InvalidCastException($"unknown variant case '{tag}'");
            payload = variant.VariantPayload;
            hasPayload = type.Cases[index].Payload is not null && payload != 0;
            return index;
        }

        public string Enum(nint v, WitEnum type) => ComponentValues.ReadString(Expect(v, ComponentValKind.Enum));

        public bool Option(nint v, WitOption type, out nint inner)
        {
            inner = Expect(v, ComponentValKind.Option).Pointer8;
            return inner != 0;
        }

        public bool Result(nint v, WitResultType type, out nint payload, out bool hasPayload)
        {
            ref readonly var result = ref Expect(v, ComponentValKind.Result);
            var isOk = result.Bool != 0;
            payload = result.Data;
            hasPayload = (isOk ? type.Ok : type.Err) is not null && payload != 0;
            return isOk;
        }

        public string[] Flags(nint v, WitFlags type)
        {
            ref readonly var flags = ref Expect(v, ComponentValKind.Flags);
            var names = (WasmByteVec*)flags.Data;
            var result = new string[checked((int)flags.Size)];
            for (var i = 0; i < result.Length; i++) result[i] = Encoding.UTF8.GetString(names[i].AsSpan());
            return result;
        }

        public object Resource(nint v, WitResource type)
        {
            ref readonly var resource = ref Expect(v, ComponentValKind.Resource);
            if (context != 0 && ComponentResources.TryReadHostResource(context, resource) is { } host) return host;
            return new ComponentResource(new ResourceAnyHandle(Native.wasmtime_component_resource_any_clone(resource.Pointer8)));
        }

        public (nint Key, nint Value)[] Map(nint v, WitMap type)
        {
            ref readonly var map = ref Expect(v, ComponentValKind.Map);
            var entries = (ComponentValMapEntry*)map.Data;
            var result = new (nint, nint)[checked((int)map.Size)];
            for (var i = 0; i < result.Length; i++) result[i] = ((nint)(&entries[i].Key), (nint)(&entries[i].Value));
            return result;
        }

        public Exception Unsupported(nint v, WitType type) => new NotSupportedException($"values of type {type} are not supported");

        private static ref readonly ComponentVal At(nint v) => ref *(ComponentVal*)v;

        private static ref readonly ComponentVal Expect(nint v, ComponentValKind kind)
        {
            ComponentValues.Expect(At(v), kind);
            return ref At(v);
        }

        private static nint[] Items(nint data, int count)
        {
            var items = new nint[count];
            for (var i = 0; i < count; i++) items[i] = (nint)((ComponentVal*)data + i);
            return items;
        }
    }

    /// <summary>Builds values by value; containers take their parts over (moved into Wasmtime-allocated vectors).</summary>
    private readonly struct Writer(nint context) : IWitWriter<ComponentVal>
    {
        public ComponentVal Bool(bool value) { ComponentVal v = default; ComponentValues.WriteBool(ref v, value); return v; }
        public ComponentVal S8(sbyte value) => new() { Kind = ComponentValKind.S8, S8 = value };
        public ComponentVal U8(byte value) => new() { Kind = ComponentValKind.U8, U8 = value };
        public ComponentVal S16(short value) => new() { Kind = ComponentValKind.S16, S16 = value };
        public ComponentVal U16(ushort value) => new() { Kind = ComponentValKind.U16, U16 = value };
        public ComponentVal S32(int value) => new() { Kind = ComponentValKind.S32, S32 = value };
        public ComponentVal U32(uint value) => new() { Kind = ComponentValKind.U32, U32 = value };
        public ComponentVal S64(long value) => new() { Kind = ComponentValKind.S64, S64 = value };
        public ComponentVal U64(ulong value) => new() { Kind = ComponentValKind.U64, U64 = value };
        public ComponentVal F32(float value) => new() { Kind = ComponentValKind.F32, F32 = value };
        public ComponentVal F64(double value) => new() { Kind = ComponentValKind.F64, F64 = value };
        public ComponentVal Char(Rune value) => new() { Kind = ComponentValKind.Char, U64 = (uint)value.Value };

        public ComponentVal String(string value) { ComponentVal v = default; ComponentValues.WriteString(ref v, value); return v; }

        public ComponentVal Bytes(ReadOnlySpan<byte> bytes) { ComponentVal v = default; ComponentValues.WriteBytes(ref v, bytes); return v; }

        public ComponentVal List(WitList type, ComponentVal[] items) =>
            Vector(ComponentValKind.List, items.Length, &Native.wasmtime_component_vallist_new_uninit, items, static (data, i, item) => ((ComponentVal*)data)[i] = item);

        public ComponentVal Record(WitRecord type, ComponentVal[] fields)
        {
            var v = Vector(ComponentValKind.Record, fields.Length, &Native.wasmtime_component_valrecord_new_uninit, fields,
                static (data, i, field) => ((ComponentValRecordEntry*)data)[i].Value = field);
            var entries = (ComponentValRecordEntry*)v.Data;
            for (var i = 0; i < fields.Length; i++) NewName(&entries[i].Name, type.Fields[i].Name);
            return v;
        }

        public ComponentVal Tuple(WitTuple type, ComponentVal[] items) =>
            Vector(ComponentValKind.Tuple, items.Length, &Native.wasmtime_component_valtuple_new_uninit, items, static (data, i, item) => ((ComponentVal*)data)[i] = item);

        public ComponentVal Variant(WitVariant type, int index, ComponentVal payload, bool hasPayload)
        {
            WasmByteVec name = default;
            NewName(&name, type.Cases[index].Name);
            var v = new ComponentVal { Kind = ComponentValKind.Variant, Size = name.Size, Data = (nint)name.Data };
            if (hasPayload) v.VariantPayload = (nint)Native.wasmtime_component_val_new(&payload);
            return v;
        }

        public ComponentVal Enum(WitEnum type, string name)
        {
            ComponentVal v = default;
            ComponentValues.WriteString(ref v, name);
            v.Kind = ComponentValKind.Enum;
            return v;
        }

        public ComponentVal Option(WitOption type, ComponentVal inner, bool isSome) =>
            new() { Kind = ComponentValKind.Option, Pointer8 = isSome ? (nint)Native.wasmtime_component_val_new(&inner) : 0 };

        public ComponentVal Result(WitResultType type, bool isOk, ComponentVal payload, bool hasPayload)
        {
            ComponentVal v = default;
            ComponentValues.WriteResult(ref v, isOk, ref payload, hasPayload);
            return v;
        }

        public ComponentVal Flags(WitFlags type, IReadOnlyList<string> names)
        {
            ValVec vec = default;
            Native.wasmtime_component_valflags_new_uninit(&vec, (nuint)names.Count);
            for (var i = 0; i < names.Count; i++) NewName(&((WasmByteVec*)vec.Data)[i], names[i]);
            return new ComponentVal { Kind = ComponentValKind.Flags, Size = vec.Size, Data = (nint)vec.Data };
        }

        public ComponentVal Resource(WitResource type, object? value)
        {
            ComponentVal v = default;
            switch (value)
            {
                case HostResource host:
                    if (context == 0) throw new ArgumentException("a store context is needed to write a host resource");
                    ComponentResources.WriteHostResource(context, ref v, host);
                    return v;
                case ComponentResource any:
                    v.Kind = ComponentValKind.Resource;
                    v.Pointer8 = Native.wasmtime_component_resource_any_clone(any.Handle);
                    return v;
                default: throw WitValueWalk.Mismatch(type, value);
            }
        }

        public ComponentVal Map(WitMap type, (ComponentVal Key, ComponentVal Value)[] entries) =>
            Vector(ComponentValKind.Map, entries.Length, &Native.wasmtime_component_valmap_new_uninit, entries,
                static (data, i, entry) => ((ComponentValMapEntry*)data)[i] = new ComponentValMapEntry { Key = entry.Key, Value = entry.Value });

        public ComponentVal Unsupported(WitType type, object? value) => throw new NotSupportedException($"values of type {type} are not supported");

        public void Discard(ComponentVal value) => Native.wasmtime_component_val_delete(&value);

        /// <summary>A Wasmtime vector of <paramref name="count"/> elements, each moved in by <paramref name="store"/>.</summary>
        private static ComponentVal Vector<T>(ComponentValKind kind, int count, delegate*<ValVec*, nuint, void> allocate, T[] items, Action<nint, int, T> store)
        {
            ValVec vec = default;
            allocate(&vec, (nuint)count);
            for (var i = 0; i < count; i++) store((nint)vec.Data, i, items[i]);
            return new ComponentVal { Kind = kind, Size = vec.Size, Data = (nint)vec.Data };
        }

        private static void NewName(WasmByteVec* name, string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            fixed (byte* p = bytes) Native.wasm_byte_vec_new(name, (nuint)bytes.Length, p);
        }
    }
}
