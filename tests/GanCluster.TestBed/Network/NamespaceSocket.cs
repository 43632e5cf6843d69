using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace GanCluster.TestBed.Network;

/// <summary>
/// A listening TCP socket of this process that lives in another network namespace: a dedicated thread enters the
/// namespace (setns), opens and binds the socket there and goes back. A socket keeps the namespace it was created
/// in, so the test process can serve a bed host's address (a stand-in server) without a process of its own on the
/// host and without adding anything to this machine's network.
/// </summary>
static partial class NamespaceSocket
{
    const int CloneNewNet = 0x40000000;

    public static Socket Listen(string namespacePath, IPAddress address, int port)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            // The thread's own namespace first, so it can go back (a dedicated thread ends anyway).
            using var own = File.OpenHandle("/proc/thread-self/ns/net");
            using var target = File.OpenHandle(namespacePath);
            try
            {
                if (SetNamespace(target.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                    throw new BedException($"setns({namespacePath}) failed: errno {Marshal.GetLastPInvokeError()}");
                var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    s.Bind(new IPEndPoint(address, port));
                    s.Listen(128);
                    socket = s;
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            }
            catch (Exception e) { failure = e; }
            finally { SetNamespace(own.DangerousGetHandle().ToInt32(), CloneNewNet); }
        }) { IsBackground = true, Name = "netns-listen" };
        thread.Start();
        thread.Join();
        return socket ?? throw new BedException($"cannot listen on {address}:{port} in {namespacePath}: {failure?.Message}");
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespace(int fd, int nstype);
}
