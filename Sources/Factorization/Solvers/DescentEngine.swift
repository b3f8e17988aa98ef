/// One gradient-descent solver for one problem instance, driven step by step by `DescentDriver`.
///
/// The driver calls `evaluate()` on the current iterate, may then ask for recording quantities,
/// and then calls `descend()` to move to the next iterate. Implementations preallocate every buffer
/// in their initializer: neither `evaluate()` nor `descend()` nor the recording calls allocate.
protocol DescentEngine: AnyObject {
    /// The number of singular values of the product, min(rows, n).
    var dimension: Int { get }

    /// `‖Y_clean‖_F²`.
    var cleanNormSquared: Double { get }

    /// `‖P_Ωᶜ Y_clean‖_F²` (the unobserved entries) for completion, `nil` for other problems.
    var unobservedNormSquared: Double? { get }

    /// Computes the residual of the current iterate and returns its loss (may be non-finite).
    func evaluate() -> Double

    /// Replaces the iterate by one GD step from it, using the residual of the last `evaluate()`.
    func descend()

    /// Writes the n singular values of the product W (any order) into `values`.
    /// - Returns: false if they could not be computed (LAPACK failure).
    func singularValues(into values: UnsafeMutableBufferPointer<Double>) -> Bool

    /// `‖W − Y_clean‖_F²` for the current iterate.
    func cleanErrorSquared() -> Double

    /// `‖P_Ωᶜ(W − Y_clean)‖_F²` for completion, `nil` for other problems.
    func unobservedErrorSquared() -> Double?

    /// `max_{(i,j)∉Ω} |W_ij|` for completion with at least one unobserved entry, `nil` otherwise.
    func unobservedMaximum() -> Double?

    /// `q_k = v_kᵀ W v_k` for the eigenvectors of λ_(1)…λ_(R) (R values, magnitude order).
    func truncationProjections(into q: UnsafeMutableBufferPointer<Double>)
}
