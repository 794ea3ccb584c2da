namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>The type definitions one gob stream has received so far (one table per decoder).</summary>
internal sealed class GobTypeTable
{
    // A real Rollout needs about a hundred; this bound stops a peer from growing the table forever.
    public const int MaxDefinitions = 10_000;

    private readonly Dictionary<int, GobWireType> _types = [];
    private readonly Dictionary<int, bool> _containsInterface = [];

    public int Count => _types.Count;

    /// <summary>Wire bytes of every definition received: they stay in memory for the stream's life.</summary>
    public long DefinitionBytes { get; private set; }

    /// <summary>Adds a definition that took <paramref name="wireBytes"/> bytes on the wire.</summary>
    public void Define(long id, GobWireType type, int wireBytes)
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
        if (DefinitionBytes + wireBytes > GobLimits.MaxDefinitionBytesPerStream)
        {
            throw new GobException($"type definitions on this stream take more than {GobLimits.MaxDefinitionBytesPerStream} bytes");
        }
        DefinitionBytes += wireBytes;
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
        var result = Walk(id);
        _containsInterface[id] = result;
        return result;
    }

    /// <summary>
    /// Searches the definitions reachable from <paramref name="start"/> for the interface type,
    /// with an explicit stack: a chain of thousands of definitions must not recurse per link.
    /// </summary>
    private bool Walk(int start)
    {
        var seen = new HashSet<int>();
        var pending = new Stack<int>();
        pending.Push(start);
        while (pending.TryPop(out var id))
        {
            if (id == GobTypeIds.Interface)
            {
                return true;
            }
            if (!_types.TryGetValue(id, out var type) || !seen.Add(id))
            {
                continue;
            }
            switch (type.Kind)
            {
                case GobWireKind.Array or GobWireKind.Slice:
                    pending.Push(type.ElemId);
                    break;
                case GobWireKind.Map:
                    pending.Push(type.KeyId);
                    pending.Push(type.ElemId);
                    break;
                case GobWireKind.Struct:
                    foreach (var field in type.Fields)
                    {
                        pending.Push(field.TypeId);
                    }
                    break;
            }
        }
        return false;
    }
}
