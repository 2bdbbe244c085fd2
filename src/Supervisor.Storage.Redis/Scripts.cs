namespace Supervisor.Storage.Redis;

/// <summary>
/// The Lua scripts. Every key one script call touches shares one hash slot: the keys of a
/// (chain, owner) group carry the hash tag <c>{chain|owner}</c>, and a call only ever spans the
/// groups of one slot (in standalone mode: any groups, since one server holds them all).
/// </summary>
internal static class Scripts
{
    /// <summary>
    /// Applies writes atomically after checking each group's fencing token and quotas on the final state of each group.
    /// KEYS: per group g: usage hash, bucket-items hash, bucket-bytes hash, fence counter; then per bucket j: data hash, key zset.
    /// ARGV: maxBytes, maxItems, groups, buckets, mode ("apply" or "check"); per group: fencing token (0: unchecked);
    /// per bucket: group index, part; then per write 5 values: bucket index, op (s set, d delete, c swap if equal,
    /// a swap if absent), key, value, expected.
    /// Returns {"OK", deletedCount} | {"NOMATCH"} | {"Q", group, bytesAfter, itemsAfter, deltaBytes, deltaItems}
    /// | {"FENCED", group, fence}: a newer holder took the group's turn, nothing was written.
    /// </summary>
    public const string Apply = """
        local maxBytes = tonumber(ARGV[1])
        local maxItems = tonumber(ARGV[2])
        local ng = tonumber(ARGV[3])
        local nb = tonumber(ARGV[4])
        local checkOnly = ARGV[5] == 'check'
        for g = 1, ng do
          local token = tonumber(ARGV[5 + g])
          if token > 0 then
            local fence = tonumber(redis.call('GET', KEYS[4 * g]) or '0')
            if fence > token then return {'FENCED', g, fence} end
          end
        end
        local b0 = 5 + ng
        local bgroup, bpart, state, bbytes, bitems = {}, {}, {}, {}, {}
        for j = 1, nb do
          bgroup[j] = tonumber(ARGV[b0 + 2 * j - 1])
          bpart[j] = ARGV[b0 + 2 * j]
          state[j] = {}
          bbytes[j] = 0
          bitems[j] = 0
        end
        local dbytes, ditems = {}, {}
        for g = 1, ng do dbytes[g] = 0; ditems[g] = 0 end
        local w0 = b0 + 2 * nb
        local nw = (#ARGV - w0) / 5
        local base = 4 * ng
        for i = 0, nw - 1 do
          local a = w0 + 5 * i
          local j = tonumber(ARGV[a + 1])
          local op = ARGV[a + 2]
          local key = ARGV[a + 3]
          local val = ARGV[a + 4]
          local data = KEYS[base + 2 * j - 1]
          local cur = state[j][key]
          if cur == nil then
            if redis.call('HEXISTS', data, key) == 1 then cur = redis.call('HSTRLEN', data, key) else cur = false end
          end
          if op == 'a' then
            if cur then return {'NOMATCH'} end
          elseif op == 'c' then
            local v = redis.call('HGET', data, key)
            if (not v) or v ~= ARGV[a + 5] then return {'NOMATCH'} end
          end
          local before, bi = 0, 0
          if cur then before = string.len(key) + cur; bi = 1 end
          local after, ai, nxt = 0, 0, false
          if op ~= 'd' then after = string.len(key) + string.len(val); ai = 1; nxt = string.len(val) end
          state[j][key] = nxt
          local g = bgroup[j]
          dbytes[g] = dbytes[g] + after - before
          ditems[g] = ditems[g] + ai - bi
          bbytes[j] = bbytes[j] + after - before
          bitems[j] = bitems[j] + ai - bi
        end
        if maxBytes > 0 or maxItems > 0 then
          for g = 1, ng do
            local u = redis.call('HMGET', KEYS[4 * g - 3], 'bytes', 'items')
            local ba = (tonumber(u[1]) or 0) + dbytes[g]
            local ia = (tonumber(u[2]) or 0) + ditems[g]
            if (maxBytes > 0 and dbytes[g] > 0 and ba > maxBytes) or (maxItems > 0 and ditems[g] > 0 and ia > maxItems) then
              return {'Q', g, ba, ia, dbytes[g], ditems[g]}
            end
          end
        end
        if checkOnly then return {'OK', 0} end
        local deleted = 0
        for i = 0, nw - 1 do
          local a = w0 + 5 * i
          local j = tonumber(ARGV[a + 1])
          local key = ARGV[a + 3]
          local data = KEYS[base + 2 * j - 1]
          local z = KEYS[base + 2 * j]
          if ARGV[a + 2] == 'd' then
            if redis.call('HDEL', data, key) == 1 then
              deleted = deleted + 1
              redis.call('ZREM', z, key)
            end
          else
            redis.call('HSET', data, key, ARGV[a + 4])
            redis.call('ZADD', z, 0, key)
          end
        end
        for j = 1, nb do
          if bbytes[j] ~= 0 or bitems[j] ~= 0 then
            local g = bgroup[j]
            local items = redis.call('HINCRBY', KEYS[4 * g - 2], bpart[j], bitems[j])
            redis.call('HINCRBY', KEYS[4 * g - 1], bpart[j], bbytes[j])
            if items <= 0 then
              redis.call('HDEL', KEYS[4 * g - 2], bpart[j])
              redis.call('HDEL', KEYS[4 * g - 1], bpart[j])
            end
          end
        end
        for g = 1, ng do
          if dbytes[g] ~= 0 or ditems[g] ~= 0 then
            local items = redis.call('HINCRBY', KEYS[4 * g - 3], 'items', ditems[g])
            redis.call('HINCRBY', KEYS[4 * g - 3], 'bytes', dbytes[g])
            if items <= 0 then redis.call('DEL', KEYS[4 * g - 3]) end
          end
        end
        return {'OK', deleted}
        """;

    /// <summary>
    /// Removes the buckets of one group whose service matches (all when ARGV[2] is empty) and
    /// returns {"OK", how many records went} | {"FENCED", fence}. KEYS: usage, bucket-items, bucket-bytes hashes and
    /// fence counter of the group; ARGV: the group's key prefix, the service, the fencing token (0: unchecked). Data keys
    /// are derived from the prefix and share the slot.
    /// </summary>
    public const string Clear = """
        local token = tonumber(ARGV[3])
        if token > 0 then
          local fence = tonumber(redis.call('GET', KEYS[4]) or '0')
          if fence > token then return {'FENCED', fence} end
        end
        local parts = redis.call('HGETALL', KEYS[2])
        local removed, bytes = 0, 0
        for i = 1, #parts, 2 do
          local part = parts[i]
          local svc = string.match(part, '^[nt]:([^:]*):')
          if ARGV[2] == '' or svc == ARGV[2] then
            removed = removed + tonumber(parts[i + 1])
            bytes = bytes + (tonumber(redis.call('HGET', KEYS[3], part)) or 0)
            redis.call('DEL', ARGV[1] .. ':d:' .. part, ARGV[1] .. ':z:' .. part)
            redis.call('HDEL', KEYS[2], part)
            redis.call('HDEL', KEYS[3], part)
          end
        end
        if removed > 0 then
          local items = redis.call('HINCRBY', KEYS[1], 'items', -removed)
          redis.call('HINCRBY', KEYS[1], 'bytes', -bytes)
          if items <= 0 then redis.call('DEL', KEYS[1]) end
        end
        return {'OK', removed}
        """;

    /// <summary>
    /// Takes a turn's lease when it is free (an expired lease is gone): sets it to the holder for the lease length and
    /// returns the next fencing token; 0 when another holder has it. KEYS: lease, fence counter (one group, one slot);
    /// ARGV: holder id, lease length in ms.
    /// </summary>
    public const string TakeLease = """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return redis.call('INCR', KEYS[2])
        end
        return 0
        """;

    /// <summary>Extends a lease that is still the holder's; 1 when it was, else 0. KEYS: lease; ARGV: holder id, lease length in ms.</summary>
    public const string RenewLease = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """;

    /// <summary>Deletes a lease that is still the holder's (never a newer holder's); 1 when it was. KEYS: lease; ARGV: holder id.</summary>
    public const string ReleaseLease = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;
}
