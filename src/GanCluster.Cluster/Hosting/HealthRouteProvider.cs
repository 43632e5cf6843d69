using Akka.Http.Dsl;
using Akka.Management.Dsl;
using Ceen;
using Route = System.ValueTuple<string, Akka.Http.Dsl.HttpModuleBase>;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// Akka.Management routes for the pod's probes: <c>/alive</c> answers 200 while the actor system runs (liveness);
/// <c>/ready</c> answers 200 once this node is an Up member of the cluster, else 503 (readiness). Akka.Management
/// for .NET has no health routes of its own; these are registered in <see cref="KubernetesBootstrap"/>.
/// </summary>
public sealed class HealthRouteProvider : IManagementRouteProvider
{
    public const string AlivePath = "/alive";
    public const string ReadyPath = "/ready";

    public Route[] Routes(ManagementRouteProviderSettings settings) =>
        [(AlivePath, new Probe(ready: false)), (ReadyPath, new Probe(ready: true))];

    sealed class Probe(bool ready) : HttpModuleBase
    {
        public override async Task<bool> HandleAsync(IAkkaHttpContext context)
        {
            if (!string.Equals(context.HttpContext.Request.Method, "GET", StringComparison.OrdinalIgnoreCase)) return false;
            var system = context.ActorSystem;
            string status;
            bool ok;
            if (system.WhenTerminated.IsCompleted) (ok, status) = (false, "terminated");
            else if (!ready) (ok, status) = (true, "alive");
            else
            {
                var self = Akka.Cluster.Cluster.Get(system).SelfMember;
                ok = self.Status == Akka.Cluster.MemberStatus.Up || self.Status == Akka.Cluster.MemberStatus.WeaklyUp;
                status = self.Status.ToString();
            }
            context.HttpContext.Response.StatusCode = ok ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable;
            await context.HttpContext.Response.WriteAllJsonAsync($$"""{"status":"{{status}}"}""");
            return true;
        }
    }
}
