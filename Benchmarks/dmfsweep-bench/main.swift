print("dmfsweep-bench: skeleton")
