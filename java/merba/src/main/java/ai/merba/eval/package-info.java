/**
 * Subject-wise evaluation as spec §5 defines it: {@link ai.merba.eval.EvaluationRunner} (leave-one-subject-out and
 * subject-grouped k-fold cross-validation), {@link ai.merba.eval.ConfusionMatrix}, {@link ai.merba.eval.ClassMetrics}
 * (Acc, UF1, UAR) and {@link ai.merba.eval.EvaluationReport} (pooled, per-dataset and per-fold results with training
 * curves) with its JSON, text and HTML forms.
 */
package ai.merba.eval;
