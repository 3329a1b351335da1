package ai.merba.ops;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The selective scan written in Java with plain LibTorch ops, step by step as in the spec (and Mamba's
 * selective_scan_ref): an independent reference for the native kernel, differentiated by LibTorch autograd.
 * Call it inside a PointerScope: it creates many temporaries.
 */
final class SelectiveScanReference {
    private SelectiveScanReference() {}

    static Tensor apply(Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor z, Tensor deltaBias,
            boolean softplus) {
        Tensor dt = delta;
        if (deltaBias != null) {
            dt = dt.add(deltaBias.unsqueeze(-1));
        }
        if (softplus) {
            dt = torch.softplus(dt);
        }
        long batch = u.size(0), dim = u.size(1), len = u.size(2), dstate = A.size(1);
        Tensor deltaA = torch.exp(dt.unsqueeze(-1).mul(A.reshape(1, dim, 1, dstate)));        // (B, D, L, N)
        Tensor deltaBu = dt.mul(u).unsqueeze(-1).mul(B.transpose(1, 2).unsqueeze(1));         // (B, D, L, N)
        Tensor h = torch.zeros(batch, dim, dstate);
        TensorVector ys = new TensorVector();
        for (long l = 0; l < len; l++) {
            h = deltaA.select(2, l).mul(h).add(deltaBu.select(2, l));
            ys.push_back(h.mul(C.select(2, l).unsqueeze(1)).sum(-1));
        }
        Tensor out = torch.stack(ys, 2);
        if (D != null) {
            out = out.add(u.mul(D.unsqueeze(-1)));
        }
        if (z != null) {
            out = out.mul(torch.silu(z));
        }
        return out;
    }

    static Scalar scalar(double value) {
        return new Scalar(value);
    }
}
