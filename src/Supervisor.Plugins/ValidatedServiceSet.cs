using System.Collections;
using Supervisor.Storage;

namespace Supervisor.Plugins;

/// <summary>A set of service names that refuses an invalid name when it is added, naming it.</summary>
internal sealed class ValidatedServiceSet : ISet<string>
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public int Count => _names.Count;

    public bool IsReadOnly => false;

    public bool Add(string item)
    {
        try
        {
            Names.ValidateService(item);
        }
        catch (StorageException e)
        {
            throw new ArgumentException($"SupervisorOptions.ConcurrentPlugins: {e.Message}", nameof(item), e);
        }
        return _names.Add(item);
    }

    void ICollection<string>.Add(string item) => Add(item);

    public void UnionWith(IEnumerable<string> other)
    {
        foreach (var name in other) Add(name);
    }

    public void Clear() => _names.Clear();

    public bool Contains(string item) => _names.Contains(item);

    public void CopyTo(string[] array, int arrayIndex) => _names.CopyTo(array, arrayIndex);

    public bool Remove(string item) => _names.Remove(item);

    public IEnumerator<string> GetEnumerator() => _names.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void ExceptWith(IEnumerable<string> other) => _names.ExceptWith(other);

    public void IntersectWith(IEnumerable<string> other) => _names.IntersectWith(other);

    public bool IsProperSubsetOf(IEnumerable<string> other) => _names.IsProperSubsetOf(other);

    public bool IsProperSupersetOf(IEnumerable<string> other) => _names.IsProperSupersetOf(other);

    public bool IsSubsetOf(IEnumerable<string> other) => _names.IsSubsetOf(other);

    public bool IsSupersetOf(IEnumerable<string> other) => _names.IsSupersetOf(other);

    public bool Overlaps(IEnumerable<string> other) => _names.Overlaps(other);

    public bool SetEquals(IEnumerable<string> other) => _names.SetEquals(other);

    public void SymmetricExceptWith(IEnumerable<string> other) => UnionWith(other.Where(n => !_names.Remove(n)).ToList());
}
