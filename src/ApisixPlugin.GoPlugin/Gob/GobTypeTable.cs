namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>The type definitions one gob stream has received so far (one table per decoder).</summary>
internal sealed class GobTypeTable
{
    // A real Rollout needs about a hundred; this bound stops a peer from growing the table forever.
    public const int MaxDefinitions = 10_000;

    private readonly Dictionary<int, GobWireType> _types = [];
    private readonly Dictionary<int, bool> _containsInterface = [];

    public int Count => _types.Count;

    public void Define(long id, GobWireType type)
    {
        if (id <= GobTypeIds.FirstUserId || id > int.MaxValue)
        {
            throw new GobException($"type definition uses reserved or invalid id {id}");
        }
        if (_types.ContainsKey((int)id))
        {
            throw new GobException($"type id {id} defined twice on one stream");
        }
        if (_types.Count >= MaxDefinitions)
        {
            throw new GobException($"more than {MaxDefinitions} type definitions on one stream");
        }
        _types.Add((int)id, type);
        _containsInterface.Clear();
    }

    /// <summary>The definition of a user type id; null for a predefined id.</summary>
    public GobWireType? Find(int id) => _types.GetValueOrDefault(id);

    public GobWireType Get(int id) =>
        _types.TryGetValue(id, out var type)
            ? type
            : throw new GobException($"value refers to type id {id}, which was never defined");

    /// <summary>
    /// Whether values of this type can contain an interface, whose first use pulls further
    /// messages mid-value; only then may a count exceed the bytes left in the current message.
    /// </summary>
    public bool ContainsInterface(int id)
    {
        if (_containsInterface.TryGetValue(id, out var known))
        {
            return known;
        }
        var result = Walk(id, []);
        _containsInterface[id] = result;
        return result;
    }

    private bool Walk(int id, HashSet<int> visiting)
    {
        if (id == GobTypeIds.Interface)
        {
            return true;
        }
        if (!_types.TryGetValue(id, out var type) || !visiting.Add(id))
        {
            return false;
        }
        return type.Kind switch
        {
            GobWireKind.Array or GobWireKind.Slice => Walk(type.ElemId, visiting),
            GobWireKind.Map => Walk(type.KeyId, visiting) || Walk(type.ElemId, visiting),
            GobWireKind.Struct => type.Fields.Any(f => Walk(f.TypeId, visiting)),
            _ => false,
        };
    }
}
