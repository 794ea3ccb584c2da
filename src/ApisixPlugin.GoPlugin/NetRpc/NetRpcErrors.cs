namespace ApisixPlugin.GoPlugin.NetRpc;

/// <summary>The error texts Go's net/rpc server uses, so a Go caller sees familiar messages.</summary>
internal static class NetRpcErrors
{
    public static NetRpcReply UnknownMethod(string serviceMethod, params ReadOnlySpan<string> services)
    {
        var dot = serviceMethod.LastIndexOf('.');
        if (dot < 0)
        {
            return NetRpcReply.Failure("rpc: service/method request ill-formed: " + serviceMethod);
        }
        var service = serviceMethod[..dot];
        foreach (var known in services)
        {
            if (known == service)
            {
                return NetRpcReply.Failure("rpc: can't find method " + serviceMethod);
            }
        }
        return NetRpcReply.Failure("rpc: can't find service " + serviceMethod);
    }
}
