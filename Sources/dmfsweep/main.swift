// dmfsweep command-line entry point (thin: parsing and dispatch only).
print("dmfsweep: skeleton")
