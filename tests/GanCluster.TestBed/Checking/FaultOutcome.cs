using GanCluster.TestBed.Nemesis;

namespace GanCluster.TestBed.Checking;

/// <summary>
/// What one fault cost, from the history. A fault's window runs from its start to the next fault's start (or the end
/// of the history); losses and incidents in it are charged to it.
/// </summary>
/// <param name="NextStepSeconds">Fault start → the first step that began after it completed (the step in flight at
/// the fault may still complete, so it does not count); null if none did.</param>
/// <param name="MaxStallSeconds">The longest time without a completed step from the fault's start until 30 s after
/// its heal (or the next fault).</param>
/// <param name="StepsDuringFault">Steps completed between the fault's start and its heal.</param>
/// <param name="StepsInSecondHalf">Of those, the steps completed in the second half of the fault (training that
/// merely ran on for a moment after the fault does not count).</param>
/// <param name="StepsLost">Completed steps that were rolled back past (done again) in the window.</param>
/// <param name="CheckpointFallbacks">Worlds formed from a checkpoint, and run restarts from step 0, in the window.</param>
/// <param name="RejoinSeconds">For a trainer that was left out of the world: heal → the first world it is in again
/// (0 if it was never left out; null if it never came back). Null for the coordinator.</param>
/// <param name="Incidents">Nodes that were not faulted but exited or were left out of a world in the window.</param>
public sealed record FaultOutcome(FaultRecord Fault, double? NextStepSeconds, double? MaxStallSeconds, long StepsDuringFault, long StepsInSecondHalf, long StepsLost,
    int CheckpointFallbacks, double? RejoinSeconds, bool RejoinExpected, IReadOnlyList<Incident> Incidents);
