namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>Malformed or hostile gob input. The message says what was wrong and where.</summary>
internal sealed class GobException : Exception
{
    public GobException(string message) : base("gob: " + message) { }

    public GobException(string message, Exception inner) : base("gob: " + message, inner) { }
}
