"""PDEBench's public files: name, DaRUS URL, MD5 and folder, as PDEBench publishes them.

Rows copied from PDEBench's ``pdebench/data_download/pdebench_data_urls.csv`` (github.com/pdebench/PDEBench,
commit 535717d): the training files of every family; the 1-D CFD shock tubes, the ReacDiff test
files and incompressible-NS files 2..: see that list. DOI 10.18419/darus-2986.
The rows are facts (names, file ids, checksums), not code; that list is distributed under
PDEBench's MIT licence (Copyright 2022 NEC Labs Europe GmbH, Stuttgart University, CSIRO and
PDEBench contributors), the data themselves by DaRUS under their own terms.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from dataclasses import dataclass

__all__ = ["ManifestEntry", "MANIFEST", "file_md5", "parse_manifest"]

_DARUS = "https://darus.uni-stuttgart.de/api/access/datafile/"
_ROWS = """\
1D_Advection_Sols_beta0.1.hdf5,255672,1D/Advection/Train/,b4be2fc3383f737c76033073e6d2ccfb
1D_Advection_Sols_beta0.2.hdf5,255671,1D/Advection/Train/,d47b52c1be4b6bcaa8748a8df2f5fbb8
1D_Advection_Sols_beta0.4.hdf5,255674,1D/Advection/Train/,d595bbfd2c659df995a93cd40d6ea568
1D_Advection_Sols_beta0.7.hdf5,255666,1D/Advection/Train/,f89030c240a1e90b55649776854a84c2
1D_Advection_Sols_beta1.0.hdf5,255675,1D/Advection/Train/,1fe41923a4123db55bf4e89bea32e142
1D_Advection_Sols_beta2.0.hdf5,255677,1D/Advection/Train/,0e9beff98693089c38e213a1f2b9ac43
1D_Advection_Sols_beta4.0.hdf5,255676,1D/Advection/Train/,a87b03ff425496360e2732921805f47d
1D_Advection_Sols_beta7.0.hdf5,255664,1D/Advection/Train/,72a286ad2fcba574bd20bc045ba82d58
1D_Burgers_Sols_Nu0.001.hdf5,268190,1D/Burgers/Train/,44cb784d5a07aa2b1c864cabdcf625f9
1D_Burgers_Sols_Nu0.002.hdf5,268193,1D/Burgers/Train/,edf1cd13622d151dfde3e4e5af7a95b4
1D_Burgers_Sols_Nu0.004.hdf5,268191,1D/Burgers/Train/,435e1fecb8a64a0b4563bb8d09f81c33
1D_Burgers_Sols_Nu0.01.hdf5,281363,1D/Burgers/Train/,e6d9a4f62baf9a29121a816b919e2770
1D_Burgers_Sols_Nu0.02.hdf5,268189,1D/Burgers/Train/,7c8c717a3a7818145877baa57106b090
1D_Burgers_Sols_Nu0.04.hdf5,281362,1D/Burgers/Train/,16f4c7afaf8c16238be157e54c9297c7
1D_Burgers_Sols_Nu0.1.hdf5,268185,1D/Burgers/Train/,660ba1008d3843bf4e28d2895eb607ce
1D_Burgers_Sols_Nu0.2.hdf5,268187,1D/Burgers/Train/,01d9333254dff2f3cad090b61f5cf695
1D_Burgers_Sols_Nu0.4.hdf5,268192,1D/Burgers/Train/,58327a6107e8f9defb5075677cc42533
1D_Burgers_Sols_Nu1.0.hdf5,281365,1D/Burgers/Train/,9021eba35332d127306f11ef84c1a60f
1D_Burgers_Sols_Nu2.0.hdf5,281364,1D/Burgers/Train/,70fe0c24d9313e70f6059e5212bdb3d7
1D_Burgers_Sols_Nu4.0.hdf5,268188,1D/Burgers/Train/,8af7f70166c00ffad377c80fa477d81f
1D_CFD_Rand_Eta0.01_Zeta0.01_periodic_Train.hdf5,164672,1D/CFD/Train/,2fdd00138f1d7abc794fb953021a9f43
1D_CFD_Rand_Eta0.1_Zeta0.1_periodic_Train.hdf5,164668,1D/CFD/Train/,45655bd77d006ab539c52b7fbcf099b9
1D_CFD_Rand_Eta1.e-8_Zeta1.e-8_periodic_Train.hdf5,135485,1D/CFD/Train/,ad22fe08b8abc721179dbb34f2cc8b2a
1D_CFD_Rand_Eta1.e-8_Zeta1.e-8_trans_Train.hdf5,133155,1D/CFD/Train/,79857a11ad9a69d77b8cf249a1c72d06
1D_CFD_Shock_Eta1.e-8_Zeta1.e-8_trans_Train.hdf5,133156,1D/CFD/Train/,08dffc3d84033c7574a70614703dd753
1D_diff-sorp_NA_NA.h5,133020,1D/diffusion-sorption/,9d466d1213065619d087319e16d9a938
ReacDiff_Nu0.5_Rho1.0.hdf5,133177,1D/ReactionDiffusion/Train/,69a429239778d529cd419ed5888ea835
ReacDiff_Nu0.5_Rho10.0.hdf5,133178,1D/ReactionDiffusion/Train/,ff7c724b18e7ebe02e19c179852f48ee
ReacDiff_Nu0.5_Rho2.0.hdf5,133179,1D/ReactionDiffusion/Train/,ac907daa7e483d203a5c77567cdea561
ReacDiff_Nu0.5_Rho5.0.hdf5,133180,1D/ReactionDiffusion/Train/,fb149e7540d8977af158bb8fec1048a3
ReacDiff_Nu1.0_Rho1.0.hdf5,133181,1D/ReactionDiffusion/Train/,bd73c2f3448d03e95e98c3831fc8fa70
ReacDiff_Nu1.0_Rho10.0.hdf5,133182,1D/ReactionDiffusion/Train/,a94e65631881a27ddae3ef74caf53093
ReacDiff_Nu1.0_Rho2.0.hdf5,133183,1D/ReactionDiffusion/Train/,112c01a76447162bd67c8c1073f58ca2
ReacDiff_Nu1.0_Rho5.0.hdf5,133184,1D/ReactionDiffusion/Train/,fa224c9d143de37ac6914d391e70f425
ReacDiff_Nu2.0_Rho1.0.hdf5,133185,1D/ReactionDiffusion/Train/,925a7e2c9b9e40ad2dd44b7002ec882b
ReacDiff_Nu2.0_Rho10.0.hdf5,133186,1D/ReactionDiffusion/Train/,a3e25a9fb8a99f010352ad3dd1afd596
ReacDiff_Nu2.0_Rho2.0.hdf5,133187,1D/ReactionDiffusion/Train/,426353b241acfbc64067acb1bdc80ade
ReacDiff_Nu2.0_Rho5.0.hdf5,133188,1D/ReactionDiffusion/Train/,f2890bdac5103a3b78fac5f80e57b760
ReacDiff_Nu5.0_Rho1.0.hdf5,133189,1D/ReactionDiffusion/Train/,0ed75b55f61bec11c47d379e34959e54
ReacDiff_Nu5.0_Rho10.0.hdf5,133190,1D/ReactionDiffusion/Train/,264c80af0e2a6cc1f70e87275e0f6ac4
ReacDiff_Nu5.0_Rho2.0.hdf5,133191,1D/ReactionDiffusion/Train/,f927f5d85f2e9bd97dff31b4dab051ae
ReacDiff_Nu5.0_Rho5.0.hdf5,133192,1D/ReactionDiffusion/Train/,c9c26e2b5f2d4bf5bcbbd4ba34fefd5e
2D_CFD_Rand_M0.1_Eta0.01_Zeta0.01_periodic_128_Train.hdf5,164687,2D/CFD/2D_Train_Rand/,5b21dcccaef4d2145ca579a71153c580
2D_CFD_Rand_M0.1_Eta0.1_Zeta0.1_periodic_128_Train.hdf5,164688,2D/CFD/2D_Train_Rand/,b2733888745a1d64e36df813e979910b
2D_CFD_Rand_M0.1_Eta1e-08_Zeta1e-08_periodic_512_Train.hdf5,164689,2D/CFD/2D_Train_Rand/,ae2552864d0856f58dc74132a2f95d20
2D_CFD_Rand_M1.0_Eta0.01_Zeta0.01_periodic_128_Train.hdf5,164690,2D/CFD/2D_Train_Rand/,21969082d0e9524bcc4708e216148e60
2D_CFD_Rand_M1.0_Eta0.1_Zeta0.1_periodic_128_Train.hdf5,164691,2D/CFD/2D_Train_Rand/,75a34f34a3dcd9bc8ae4b7adf8bf372c
2D_CFD_Rand_M1.0_Eta1e-08_Zeta1e-08_periodic_512_Train.hdf5,164692,2D/CFD/2D_Train_Rand/,04fcc44c39acea69e2869b84cd653d4a
2D_CFD_Turb_M0.1_Eta1e-08_Zeta1e-08_periodic_512_Train.hdf5,164685,2D/CFD/2D_Train_Turb/,844555000d342d2947162c6cf46798e7
2D_CFD_Turb_M1.0_Eta1e-08_Zeta1e-08_periodic_512_Train.hdf5,164686,2D/CFD/2D_Train_Turb/,3f2c7376cde5fb072db0f9814f1c6992
2D_DarcyFlow_beta0.01_Train.hdf5,133217,2D/DarcyFlow/,d05c287d4c0b7d3178b0097084238251
2D_DarcyFlow_beta0.1_Train.hdf5,133218,2D/DarcyFlow/,294f9a03a4aa16b0e386469ca8b471be
2D_DarcyFlow_beta1.0_Train.hdf5,133219,2D/DarcyFlow/,81694ed31306ff2e5f6b76349b0b4389
2D_DarcyFlow_beta10.0_Train.hdf5,133220,2D/DarcyFlow/,a7f23cf8011fc211b180828af39b7d1a
2D_DarcyFlow_beta100.0_Train.hdf5,133221,2D/DarcyFlow/,7c09f3b1bb097737d3fd52ffb0c6f1c8
2D_diff-react_NA_NA.h5,133017,2D/diffusion-reaction/,b8d0b86064193195ddc30c33be5dc949
2D_rdb_NA_NA.h5,133021,2D/shallow-water/,75d838c47aa410694bdc912ea7f22282
ns_incom_inhom_2d_512-0.h5,133280,2D/NS_incom/,54109d46f9c957317bd670ddb2068ac0
ns_incom_inhom_2d_512-1.h5,136439,2D/NS_incom/,e280fd3208fccb8ad5c1ff46c4796864
3D_CFD_Rand_M1.0_Eta1e-08_Zeta1e-08_periodic_Train.hdf5,164693,3D/Train/,45892a12d1066d54af74badae55c438e
3D_CFD_Turb_M1.0_Eta1e-08_Zeta1e-08_periodic_Train.hdf5,164694,3D/Train/,4f0eacaec5ff000bbd9a31026ea207b8
"""


@dataclass(frozen=True)
class ManifestEntry:
    name: str
    url: str
    md5: str
    folder: str


def parse_manifest(text: str) -> dict[str, ManifestEntry]:
    """``name,url,md5[,folder]`` lines (``#`` comments allowed) -> entries by name."""
    entries = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) not in (3, 4) or len(parts[2]) != 32:
            raise ValueError(f"manifest line {number}: expected 'name,url,md5[,folder]' with a 32-digit MD5, got {line!r}")
        entries[parts[0]] = ManifestEntry(parts[0], parts[1], parts[2].lower(), parts[3] if len(parts) == 4 else "")
    return entries


MANIFEST = {name: ManifestEntry(name, _DARUS + file_id, md5, folder)
            for name, file_id, folder, md5 in (row.split(",") for row in _ROWS.splitlines())}


def file_md5(path: str | Path, chunk: int = 1 << 20) -> str:
    """MD5 of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()
